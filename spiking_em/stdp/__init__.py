"""The STDP rule of Fig. 1, dW ∝ S_pre · dV_post/dt: the numpy ramp simulation and delta-rule
demo (:mod:`.ramp`), and the same rule as a Brian2 synapse on LIF neurons (:mod:`.synapse`)."""
