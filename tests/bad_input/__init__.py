"""The bad-input corpus: each case runs a tool as a user would and expects one ``error:``
(or ``warning:``) line, the documented exit status, no traceback and no code run. One file
per family (configs, datasets and images, weights, outputs, runs, command line)."""
