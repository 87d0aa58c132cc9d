"""Pacts: conditional commitments ("I will move when N of my people have committed"), kept with their counts."""
