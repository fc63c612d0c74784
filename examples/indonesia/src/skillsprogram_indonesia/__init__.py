"""Kartu Prakerja, Indonesia's pre-employment card programme, as a skillsprogram country plugin."""
