"""The default bank, shipped inside quizgen as package data."""
