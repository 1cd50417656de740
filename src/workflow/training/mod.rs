//! Operator learning from files: the TOML training recipe, samples cut from trajectory
//! files, checkpoints with optimizer state (written atomically, for resuming), and a
//! recipe's whole run.

pub mod checkpoint;
pub mod recipe;
pub mod run;
pub mod samples;
