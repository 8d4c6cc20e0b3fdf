from sgdlearn._core import TrainerConfig
