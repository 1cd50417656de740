//! Operator learning from files: the TOML training recipe, samples cut from trajectory
//! files, checkpoints with optimizer state (written atomically, for resuming), the memory
//! check before a network is built, and a recipe's whole run.

pub mod checkpoint;
pub mod memory;
pub mod recipe;
pub mod run;
pub mod samples;
