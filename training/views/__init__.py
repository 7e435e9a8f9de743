"""The pages of the training app: sessions and hours, conduct supervision, clue records (one module each)."""
