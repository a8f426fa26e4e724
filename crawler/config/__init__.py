"""Settings: the table that declares them, their checks, and the layers that set them.

``table`` declares every setting once; ``kinds`` says what values each kind allows; ``check``
refuses unknown names and values that are not allowed; ``layers`` applies the config file and the
environment in the documented order; ``docs`` renders the README's configuration table.
"""
