"""The numbers that define the spec's maths, in one place; every backend imports them from here.

Changing one changes what "the same network" means, for every backend at once.
"""

#: probabilities are clipped to [CLIP_EPSILON, 1 - CLIP_EPSILON] inside logarithms (Keras's
#: backend epsilon), in every loss value and in the harness's own evaluation
CLIP_EPSILON = 1e-7
#: Adam (Kingma & Ba): the moments' decay rates, and epsilon added to sqrt(v_hat)
ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPSILON = 1e-8
#: slope of leaky_relu for z < 0 (Keras's default is 0.2; PyTorch's 0.01)
LEAKY_RELU_SLOPE = 0.01
#: alpha of elu: alpha * (exp(z) - 1) for z < 0
ELU_ALPHA = 1.0
#: the step of the course's forward-difference gradient estimate, (cost(w + eps) - cost(w)) / eps:
#: TrainSpec.fd_epsilon's default (optimizer="finite-difference")
FD_EPSILON = 1e-4
#: the course's threshold unit fires (outputs 1) when the weighted sum reaches this value
STEP_THRESHOLD = 1.0
#: every this many steps, optimizer state below tiny / eps of the dtype is set to zero (it would
#: otherwise decay into subnormal numbers, up to 100x slower on x86; far below a weight's
#: rounding, so the updates stay those of the exact rules)
FLUSH_EVERY = 100
