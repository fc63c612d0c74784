"""Cambodia's TVET programme for youth from poor and vulnerable households, as a country plugin."""
