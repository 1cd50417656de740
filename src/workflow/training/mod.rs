//! Operator learning from files: the TOML training recipe, samples cut from trajectory
//! files, and checkpoints with optimizer state (written atomically, for resuming).

pub mod checkpoint;
pub mod recipe;
pub mod samples;
