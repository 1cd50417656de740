//! POD truncation rules: how many modes to keep given the singular values.

use super::error::{BasisError, Result};

/// How to choose the POD rank r from singular values σ₁ ≥ σ₂ ≥ … (Holmes, Lumley, Berkooz,
/// "Turbulence, Coherent Structures, Dynamical Systems and Symmetry", §3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Truncation {
    /// Exactly r modes (capped at the number available).
    Rank(usize),
    /// The smallest r with Σ_{i>r} σᵢ² / Σᵢ σᵢ² ≤ ε: the discarded fraction of snapshot
    /// energy, which equals the mean-square relative projection error of the snapshots.
    RelativeEnergy(f64),
    /// Keep the modes with σᵢ > tol.
    AbsoluteTolerance(f64),
}

impl Truncation {
    /// Checks the rule's parameter: ε ∈ [0, 1), tol ≥ 0, finite.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Self::Rank(_) => Ok(()),
            Self::RelativeEnergy(eps) if (0.0..1.0).contains(&eps) => Ok(()),
            Self::RelativeEnergy(eps) => Err(BasisError::InvalidParameter {
                field: "energy_tolerance",
                value: format!("{eps}"),
                allowed: "0 <= ε < 1",
            }),
            Self::AbsoluteTolerance(tol) if tol.is_finite() && tol >= 0.0 => Ok(()),
            Self::AbsoluteTolerance(tol) => Err(BasisError::InvalidParameter {
                field: "singular_value_tolerance",
                value: format!("{tol}"),
                allowed: "a finite number >= 0",
            }),
        }
    }

    /// The rank this rule keeps for the non-increasing singular values `s`.
    pub fn rank(&self, s: &[f64]) -> Result<usize> {
        self.validate()?;
        Ok(match *self {
            Self::Rank(r) => r.min(s.len()),
            Self::AbsoluteTolerance(tol) => s.iter().take_while(|&&x| x > tol).count(),
            Self::RelativeEnergy(eps) => {
                let total: f64 = s.iter().map(|x| x * x).sum();
                if total == 0.0 {
                    return Ok(0);
                }
                // tail[r] = Σ_{i>=r} σᵢ², accumulated from the smallest for accuracy.
                let mut tail = 0.0;
                let mut r = s.len();
                for (i, x) in s.iter().enumerate().rev() {
                    tail += x * x;
                    if tail / total > eps {
                        break;
                    }
                    r = i;
                }
                r
            }
        })
    }

    /// Discarded energy fraction Σ_{i>r} σᵢ² / Σ σᵢ² when keeping r modes.
    pub fn discarded_energy(s: &[f64], r: usize) -> f64 {
        let total: f64 = s.iter().map(|x| x * x).sum();
        if total == 0.0 {
            return 0.0;
        }
        s.iter().skip(r).map(|x| x * x).sum::<f64>() / total
    }
}
