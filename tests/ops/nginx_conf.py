"""Run deploy/nginx/xinyong.conf, the documented site file, on this machine: its listen ports, upstream, certificate,
include and log paths swapped for local ones, wrapped in a minimal nginx.conf. Used by tests/ops/test_stack.py and
bench/load_test.sh (python -m tests.ops.nginx_conf …). No Django here."""
import argparse
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "xinyong.conf"
PROXY = ROOT / "deploy" / "nginx" / "xinyong_proxy.conf"
SERVER_NAME = "xinyong.qg.local"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    crt, key = folder / "xinyong.crt", folder / "xinyong.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "2", "-nodes",
                    "-keyout", str(key), "-out", str(crt), "-subj", f"/CN={SERVER_NAME}",
                    "-addext", f"subjectAltName=DNS:{SERVER_NAME}"], check=True, capture_output=True, timeout=60)
    return crt, key


def render(folder: Path, *, http_port: int, https_port: int, upstream: str) -> Path:
    """Write folder/nginx.conf around the site file; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    crt, key = self_signed_certificate(folder)
    (folder / "xinyong_proxy.conf").write_text(PROXY.read_text(encoding="utf-8"), encoding="utf-8")
    site = SITE.read_text(encoding="utf-8")
    replacements = [
        (r"^\s*listen \[::\]:.*$\n", ""),  # no IPv6 here
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"server 127\.0\.0\.1:8000 ", f"server {upstream} "),
        (r"/etc/xinyong/tls/xinyong\.crt", str(crt)),
        (r"/etc/xinyong/tls/xinyong\.key", str(key)),
        (r"/etc/nginx/xinyong_proxy\.conf", str(folder / "xinyong_proxy.conf")),
        (r"/var/log/nginx/xinyong\.(access|error)\.log", str(folder) + r"/\1.log"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site, flags=re.M)
        if count == 0:
            raise ValueError(f"deploy/nginx/xinyong.conf 中找不到 {pattern!r}：站点文件的结构变了，请同时修改本文件")
    (folder / "site.conf").write_text(site, encoding="utf-8")
    conf = folder / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root: workers that can write the temporary folders
    conf.write_text(f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""", encoding="utf-8")
    return conf


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    print(render(args.folder, http_port=args.http_port, https_port=args.https_port, upstream=args.upstream))


if __name__ == "__main__":
    main()
