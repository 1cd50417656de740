//! nalgebra interop (feature `nalgebra`): the state, the full field, probe values and the
//! basis as `DVector` / `DMatrix`, for programs that keep their data in nalgebra types.
//! Each call copies (nalgebra owns its storage); the slice API stays the allocation-free
//! path for stepping loops.

use nalgebra::{DMatrix, DVector};

use crate::error::Result;
use crate::instance::Instance;
use crate::model::RomModel;
use crate::probe::Probe;

impl Instance {
    /// [`Instance::set_state_full`] from a `DVector` of the n full-state values.
    pub fn set_state_full_vector(&mut self, u: &DVector<f64>) -> Result<()> {
        self.set_state_full(u.as_slice())
    }

    /// The reduced state a as a new `DVector` (r values), a copy of [`Instance::state`].
    pub fn state_vector(&self) -> DVector<f64> {
        DVector::from_column_slice(self.state())
    }

    /// The full state u = ū + V a as a new `DVector` (n values), what
    /// [`Instance::reconstruct`] writes.
    pub fn reconstruct_vector(&self) -> DVector<f64> {
        let n = self.model().full_dim();
        DVector::from_iterator(n, (0..n).map(|i| self.entry(i)))
    }

    /// [`Instance::value_at`] of each probe, as a new `DVector` in the order given.
    pub fn probes_vector(&self, probes: &[Probe]) -> DVector<f64> {
        DVector::from_iterator(probes.len(), probes.iter().map(|p| self.value_at(p)))
    }
}

impl RomModel {
    /// The basis V as a new n × r `DMatrix` (column j is mode j), e.g. to project or
    /// reconstruct many states at once with nalgebra's products.
    pub fn basis_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.n, self.r, &self.basis)
    }
}
