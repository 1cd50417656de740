//! Local reduced bases by cluster analysis (Daniel, Casenave, Akkari, Ketata, Ryckelynck,
//! arXiv:2103.13683): k-medoids on snapshots with the angle dissimilarity
//! δ(u, v) = sin∠(u, v) = (1 − ⟨u,v⟩²/(‖u‖²‖v‖²))^{1/2} — the relative error of projecting u
//! onto span{v}, so clusters minimize an intra-cluster 1-width — against the Euclidean
//! ‖u − v‖ of classical k-means-type clustering; one POD basis per cluster; online
//! selection of the basis by the nearest medoid in angle; and the a-priori efficiency
//! criterion (dimension needed by one global basis over the population-weighted mean
//! dimension of the local ones at the same tolerance).

use faer::Mat;
use rand::{Rng, SeedableRng};

use super::error::{invalid, Result};
use super::pod::{MatrixSource, Pod, PodOptions};
use crate::basis::Truncation;

/// The dissimilarity between snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dissimilarity {
    /// sin of the angle between u and v (scale invariant).
    Angle,
    /// ‖u − v‖.
    Euclidean,
}

impl Dissimilarity {
    /// The dissimilarity from Gram entries g_uu, g_vv, g_uv.
    fn between(&self, guu: f64, gvv: f64, guv: f64) -> f64 {
        match self {
            Self::Angle => {
                let c2 = guv * guv / (guu * gvv).max(f64::MIN_POSITIVE);
                (1.0 - c2).max(0.0).sqrt()
            }
            Self::Euclidean => (guu + gvv - 2.0 * guv).max(0.0).sqrt(),
        }
    }

    /// The name used in tables.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Angle => "angle",
            Self::Euclidean => "Euclidean",
        }
    }
}

/// A k-medoids partition of the snapshot columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Column index of each medoid.
    pub medoids: Vec<usize>,
    /// Cluster of each column.
    pub labels: Vec<usize>,
}

/// k-medoids by alternating assignment and medoid update (Park & Jun, Expert Syst. Appl. 36,
/// 2009), started from a k-medoids++ draw with `seed`; deterministic for a seed. The N × N
/// dissimilarities come from one Gram matrix SᵀS.
pub fn kmedoids(
    snapshots: &Mat<f64>,
    k: usize,
    dissimilarity: Dissimilarity,
    seed: u64,
) -> Result<Clustering> {
    let n_s = snapshots.ncols();
    if k == 0 || k > n_s {
        return Err(invalid(
            "clusters",
            k,
            &format!("1 ..= {n_s} (the snapshot count)"),
        ));
    }
    let gram = snapshots.transpose() * snapshots;
    let d = Mat::from_fn(n_s, n_s, |i, j| {
        dissimilarity.between(gram[(i, i)], gram[(j, j)], gram[(i, j)])
    });
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut medoids = vec![rng.random_range(0..n_s)];
    while medoids.len() < k {
        let weights: Vec<f64> = (0..n_s)
            .map(|i| {
                medoids
                    .iter()
                    .map(|&m| d[(i, m)])
                    .fold(f64::INFINITY, f64::min)
                    .powi(2)
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let next = if total > 0.0 {
            let mut target = rng.random_range(0.0..total);
            weights
                .iter()
                .position(|w| {
                    target -= w;
                    target <= 0.0
                })
                .unwrap_or(n_s - 1)
        } else {
            (0..n_s).find(|i| !medoids.contains(i)).unwrap_or(0)
        };
        if !medoids.contains(&next) {
            medoids.push(next);
        }
    }
    let assign = |medoids: &[usize]| -> Vec<usize> {
        (0..n_s)
            .map(|i| {
                (0..medoids.len())
                    .min_by(|&a, &b| d[(i, medoids[a])].total_cmp(&d[(i, medoids[b])]))
                    .expect("k >= 1")
            })
            .collect()
    };
    let mut labels = assign(&medoids);
    for _ in 0..100 {
        let updated: Vec<usize> = (0..k)
            .map(|c| {
                let members: Vec<usize> = (0..n_s).filter(|&i| labels[i] == c).collect();
                members
                    .iter()
                    .copied()
                    .min_by(|&a, &b| {
                        let cost = |m: usize| members.iter().map(|&i| d[(i, m)]).sum::<f64>();
                        cost(a).total_cmp(&cost(b))
                    })
                    .unwrap_or(medoids[c])
            })
            .collect();
        let new_labels = assign(&updated);
        let done = updated == medoids;
        medoids = updated;
        labels = new_labels;
        if done {
            break;
        }
    }
    Ok(Clustering { medoids, labels })
}

/// One POD basis per cluster, with the medoids for online selection.
#[derive(Debug, Clone)]
pub struct LocalBases {
    /// The medoid snapshots (n × K).
    pub medoids: Mat<f64>,
    /// The local bases.
    pub bases: Vec<Mat<f64>>,
    /// Snapshots per cluster.
    pub populations: Vec<usize>,
}

/// The columns of `s` listed in `idx`.
fn columns(s: &Mat<f64>, idx: &[usize]) -> Mat<f64> {
    Mat::from_fn(s.nrows(), idx.len(), |i, j| s[(i, idx[j])])
}

impl LocalBases {
    /// Uncentred POD of each cluster of `clustering` with `truncation` (capped by the
    /// cluster size).
    pub fn build(
        snapshots: &Mat<f64>,
        clustering: &Clustering,
        truncation: Truncation,
    ) -> Result<Self> {
        let k = clustering.medoids.len();
        let mut bases = Vec::with_capacity(k);
        let mut populations = Vec::with_capacity(k);
        for c in 0..k {
            let members: Vec<usize> = (0..snapshots.ncols())
                .filter(|&i| clustering.labels[i] == c)
                .collect();
            populations.push(members.len());
            let rule = match truncation {
                Truncation::Rank(r) => Truncation::Rank(r.min(members.len())),
                other => other,
            };
            let pod = Pod::compute(
                &mut MatrixSource(columns(snapshots, &members)),
                &PodOptions {
                    truncation: rule,
                    center: false,
                    ..PodOptions::default()
                },
            )?;
            bases.push(pod.basis.vectors().to_owned());
        }
        Ok(Self {
            medoids: columns(snapshots, &clustering.medoids),
            bases,
            populations,
        })
    }

    /// The cluster whose medoid is nearest to `u` in angle: O(K·n).
    pub fn select(&self, u: &[f64]) -> usize {
        let uu: f64 = u.iter().map(|v| v * v).sum();
        (0..self.medoids.ncols())
            .map(|c| {
                let m = self.medoids.col(c);
                let mm: f64 = m.iter().map(|v| v * v).sum();
                let um: f64 = m.iter().zip(u).map(|(a, b)| a * b).sum();
                (c, Dissimilarity::Angle.between(uu, mm, um))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0, |(c, _)| c)
    }

    /// ‖u − V_c V_cᵀ u‖² for the basis `c`.
    pub fn residual_squared(&self, c: usize, u: &[f64]) -> f64 {
        let v = &self.bases[c];
        let um = Mat::from_fn(u.len(), 1, |i, _| u[i]);
        let coeffs = v.transpose() * &um;
        let back = v * &coeffs;
        u.iter()
            .enumerate()
            .map(|(i, x)| (x - back[(i, 0)]).powi(2))
            .sum()
    }

    /// (Σ‖u − Π_{c(u)} u‖² / Σ‖u‖²)^{1/2} over the columns of `s`, each projected on the
    /// basis `choose(column index, column)` picks.
    pub fn projection_error(&self, s: &Mat<f64>, choose: impl Fn(usize, &[f64]) -> usize) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for j in 0..s.ncols() {
            let u: Vec<f64> = s.col(j).iter().copied().collect();
            num += self.residual_squared(choose(j, &u), &u);
            den += u.iter().map(|v| v * v).sum::<f64>();
        }
        (num / den.max(f64::MIN_POSITIVE)).sqrt()
    }
}

/// The a-priori efficiency criterion: dimension a single (uncentred) POD basis needs for a
/// relative projection error ≤ `tol` on the training snapshots, over the population-weighted
/// mean dimension the local bases of `clustering` need for the same tolerance in each
/// cluster. Above 1, local bases pay off (before the classification cost).
pub fn efficiency(snapshots: &Mat<f64>, clustering: &Clustering, tol: f64) -> Result<f64> {
    let rule = Truncation::RelativeEnergy(tol * tol);
    let global = Pod::compute(
        &mut MatrixSource(snapshots.clone()),
        &PodOptions {
            truncation: rule,
            center: false,
            ..PodOptions::default()
        },
    )?
    .rank();
    let local = LocalBases::build(snapshots, clustering, rule)?;
    let n_s: usize = local.populations.iter().sum();
    let mean: f64 = local
        .bases
        .iter()
        .zip(&local.populations)
        .map(|(b, &p)| b.ncols() as f64 * p as f64 / n_s as f64)
        .sum();
    Ok(global as f64 / mean.max(1.0))
}
