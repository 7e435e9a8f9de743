from .navigation import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    items = nav_for(user)
    path = request.path
    current = ""
    for item in items:  # the longest matching prefix is the current entry
        prefix = item["url"]
        if (path == prefix or (prefix != "/" and path.startswith(prefix))) and len(prefix) > len(current):
            current = prefix
    for item in items:
        item["current"] = item["url"] == current
    return {"nav_items": items}
