"""agrad's grammar, shipped as package data (`agrad.grammar`)."""
