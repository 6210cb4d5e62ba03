"""The built-in question templates, shipped inside quizgen as package data."""
