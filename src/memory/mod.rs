//! The memory-budget model for training and inference. Pure: no web dependencies.
