"""The framework's own behaviour, written as plugins on the same hooks a country uses.

Country plugins registered after these answer ``firstresult`` hooks first, so
a default is what happens when no country says otherwise.
"""
