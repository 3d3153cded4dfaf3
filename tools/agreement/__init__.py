"""A differential run of agrad against torch 2.13: cases (cases.py), each run by agrad's Python
API (agrad_side.py) and by torch on the same syntax tree (torch_side.py), compared part by part
(compare.py) and counted by row (rows.py). tools/torch_agreement.py is the command."""
