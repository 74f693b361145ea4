"""The rate model of Algorithm 2: layers f_l / g_l, INFERENCE, the local-target M-step,
GENERATE / ancestral sampling / in-painting, the TRAIN loop and its checkpoints."""
