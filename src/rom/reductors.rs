//! The reduction methods behind [`Reductor`]: Galerkin projection with the exact quadratic
//! tensor, hyper-reduction of a pointwise flux (DEIM / Q-DEIM / EIM), and the block-wise
//! Galerkin projection of an energy-quadratized lifted wave.
//!
//! Extending the basis re-orthogonalizes the new directions against the old ones (CGS2,
//! [`Basis::extend`]) and re-projects the operators on the larger basis; the flux basis and
//! interpolation points of a hyper-reduction stay as they are. The adaptive ROM
//! ([`super::adaptive`]) enriches incrementally instead, from n-sized caches.

use faer::Mat;
use galerkin_solvers::{FullOrderModel, LiftedWave};

use super::error::{invalid, Result};
use super::galerkin::{project_linear, project_linear_on, project_quadratic, project_quadratic_on};
use super::hyper::{hyper_from, hyper_reduce_on, PointSelection};
use super::lifting::LiftedRom;
use super::model::{Nonlinear, ReducedModel};
use super::pod::{Pod, SnapshotSource};
use super::reduced::Reductor;
use crate::basis::{Basis, InnerProduct};
use crate::parallel::{Collective, SingleProcess};

/// Directions whose part outside the basis is below this fraction of their norm add
/// nothing (CGS2 keeps round-off from becoming a mode).
const EXTEND_DROP_TOL: f64 = 1e-10;

/// Galerkin projection with the exact reduced quadratic tensor (polynomial models only):
/// da/dt = c + A a + Ĥ (a ⊗ a), every term projected once, offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct GalerkinReductor;

/// Hyper-reduction of the pointwise flux of any full model that has one: the flux
/// snapshots of `states` are compressed to `points` modes, interpolated at `points` grid
/// points chosen by `selection` (Chaturantabut & Sorensen 2010; Drmač & Gugercin 2016).
pub struct HyperReductor<'a> {
    /// The training states whose flux snapshots make the flux basis.
    pub states: &'a mut dyn SnapshotSource,
    /// The number m of interpolation points (= flux modes).
    pub points: usize,
    /// How the points are chosen.
    pub selection: PointSelection,
}

/// Block-wise Galerkin projection of an energy-quadratized lifted wave (Sharma, Giannoni &
/// Kramer 2025): one basis per lifted block, a skew reduced structure, no hyper-reduction.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiftedReductor;

impl Pod {
    /// The trial space of the `r` leading modes (with the same mean and singular values).
    pub fn trial_space(&self, r: usize) -> Result<Pod> {
        if r == 0 || r > self.rank() {
            return Err(invalid(
                "rank",
                r,
                &format!("1 ..= {} (the POD rank)", self.rank()),
            ));
        }
        let mut space = self.clone();
        space.basis.truncate(r)?;
        Ok(space)
    }
}

/// The reduced model of `nonlinear` on `space`, with the parts every kind shares.
fn assemble(
    fom: &dyn FullOrderModel,
    space: &Pod,
    linear: super::model::LinearPart,
    nonlinear: Nonlinear,
) -> ReducedModel {
    ReducedModel {
        pde: fom.name().to_string(),
        grid_shape: Vec::new(),
        basis: space.basis.clone(),
        mean: space.mean.clone(),
        linear,
        nonlinear,
        singular_values: space.singular_values.clone(),
        recipe: String::new(),
        training_parameters: Default::default(),
        learned: None,
    }
}

/// Checks that `fom` and `space` have the same state size.
fn check_sizes(fom: &dyn FullOrderModel, basis: &Basis) -> Result<()> {
    if fom.dim() != basis.dim() {
        return Err(invalid(
            "snapshots",
            basis.dim(),
            &format!("{} values per snapshot (the full model's size)", fom.dim()),
        ));
    }
    Ok(())
}

/// Extends `basis` by `directions` (CGS2); the number of directions added.
fn extend(basis: &mut Basis, directions: &[Vec<f64>]) -> Result<usize> {
    let n = basis.dim();
    if let Some(d) = directions.iter().find(|d| d.len() != n) {
        return Err(invalid(
            "directions",
            format!("a state of {} values", d.len()),
            &format!("states of {n} values (the basis size)"),
        ));
    }
    let v = Mat::from_fn(n, directions.len(), |i, j| directions[j][i]);
    Ok(basis.extend(v.as_ref(), EXTEND_DROP_TOL)?)
}

/// [`GalerkinReductor`]'s model, its operator columns shared among the ranks of `comm`
/// (every rank returns the same model).
pub fn galerkin_on(
    fom: &mut dyn FullOrderModel,
    space: &Pod,
    comm: &dyn Collective,
) -> Result<ReducedModel> {
    check_sizes(fom, &space.basis)?;
    let mean = space.mean.as_deref();
    let linear = project_linear_on(fom, &space.basis, mean, true, comm)?;
    let nonlinear = project_quadratic_on(fom, &space.basis, comm)?;
    Ok(assemble(fom, space, linear, nonlinear))
}

/// [`HyperReductor`]'s model with `(points, selection)`, the linear operator columns and
/// the flux snapshots of each training block shared among the ranks of `comm`.
pub fn hyper_on(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    space: &Pod,
    (points, selection): (usize, PointSelection),
    comm: &dyn Collective,
) -> Result<ReducedModel> {
    check_sizes(fom, &space.basis)?;
    let mean = space.mean.as_deref();
    let linear = project_linear_on(fom, &space.basis, mean, false, comm)?;
    let nonlinear = hyper_reduce_on(fom, states, &space.basis, mean, points, selection, comm)?;
    Ok(assemble(fom, space, linear, nonlinear))
}

impl<'f> Reductor<dyn FullOrderModel + 'f> for GalerkinReductor {
    type Space = Pod;
    type Model = ReducedModel;

    fn reduce(&mut self, fom: &mut (dyn FullOrderModel + 'f), space: &Pod) -> Result<ReducedModel> {
        galerkin_on(fom, space, &SingleProcess)
    }

    fn extend_basis(
        &mut self,
        fom: &mut (dyn FullOrderModel + 'f),
        model: &mut ReducedModel,
        directions: &[Vec<f64>],
    ) -> Result<usize> {
        let added = extend(&mut model.basis, directions)?;
        if added > 0 {
            let mean = model.mean.as_deref();
            model.linear = project_linear(fom, &model.basis, mean, true)?;
            model.nonlinear = project_quadratic(fom, &model.basis)?;
        }
        Ok(added)
    }
}

impl<'f> Reductor<dyn FullOrderModel + 'f> for HyperReductor<'_> {
    type Space = Pod;
    type Model = ReducedModel;

    fn reduce(&mut self, fom: &mut (dyn FullOrderModel + 'f), space: &Pod) -> Result<ReducedModel> {
        hyper_on(
            fom,
            self.states,
            space,
            (self.points, self.selection),
            &SingleProcess,
        )
    }

    fn extend_basis(
        &mut self,
        fom: &mut (dyn FullOrderModel + 'f),
        model: &mut ReducedModel,
        directions: &[Vec<f64>],
    ) -> Result<usize> {
        let Nonlinear::Hyper(hyper) = &model.nonlinear else {
            return Err(invalid(
                "model",
                model.kind().name(),
                "a hyper-reduced model (DEIM, Q-DEIM or EIM)",
            ));
        };
        let added = extend(&mut model.basis, directions)?;
        if added > 0 {
            let mean = model.mean.as_deref();
            let refreshed = hyper_from(
                fom,
                &model.basis,
                mean,
                &hyper.flux_basis,
                (hyper.points.clone(), hyper.sample.clone()),
                hyper.selection,
            )?;
            model.linear = project_linear(fom, &model.basis, mean, false)?;
            model.nonlinear = Nonlinear::Hyper(refreshed);
        }
        Ok(added)
    }
}

impl Reductor<LiftedWave> for LiftedReductor {
    /// One orthonormal basis (n × r_b) per lifted block.
    type Space = Vec<Mat<f64>>;
    type Model = LiftedRom;

    fn reduce(&mut self, fom: &mut LiftedWave, space: &Vec<Mat<f64>>) -> Result<LiftedRom> {
        LiftedRom::build(fom, space.clone())
    }

    /// `directions` are lifted states: the blocks one after the other (blocks · n values);
    /// each block extends its own basis.
    fn extend_basis(
        &mut self,
        fom: &mut LiftedWave,
        model: &mut LiftedRom,
        directions: &[Vec<f64>],
    ) -> Result<usize> {
        let blocks = model.bases.len();
        let n = model.bases[0].nrows();
        let mut added = 0;
        let mut bases = Vec::with_capacity(blocks);
        for (b, vectors) in model.bases.iter().enumerate() {
            let mut basis =
                Basis::from_orthonormal(vectors.clone(), InnerProduct::Euclidean, 1e-8)?;
            let block: Vec<Vec<f64>> = directions
                .iter()
                .map(|d| {
                    d.get(b * n..(b + 1) * n)
                        .map(<[f64]>::to_vec)
                        .ok_or_else(|| {
                            invalid(
                                "directions",
                                format!("a state of {} values", d.len()),
                                &format!(
                                    "lifted states of {} values ({blocks} blocks)",
                                    blocks * n
                                ),
                            )
                        })
                })
                .collect::<Result<_>>()?;
            added += extend(&mut basis, &block)?;
            bases.push(basis.vectors().to_owned());
        }
        if added > 0 {
            *model = LiftedRom::build(fom, bases)?;
        }
        Ok(added)
    }
}
