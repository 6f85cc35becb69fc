//! Blocks: up to [`BLOCK_ROWS`] labelled points as one dense row-major matrix, the unit of
//! work of the training loops (one record per block, not per point, so a round is a few
//! tight loops per worker instead of a record per point through the dataflow).

use serde::{Deserialize, Serialize};
use strom_dataset::DataSet;

use crate::vector::LabeledPoint;

/// Rows per block.
pub(crate) const BLOCK_ROWS: usize = 1024;

/// Dense points: `rows` rows of `dim` features, row-major, and their labels.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Block {
    pub(crate) dim: usize,
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
}

impl Block {
    pub(crate) fn rows(&self) -> usize {
        self.y.len()
    }

    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    fn from_points(points: &[LabeledPoint]) -> Block {
        let dim = points.first().map_or(0, |p| p.features.len());
        let mut x = vec![0.0; points.len() * dim];
        for (i, p) in points.iter().enumerate() {
            assert_eq!(
                p.features.len(),
                dim,
                "feature vectors of different lengths ({} and {dim})",
                p.features.len()
            );
            p.features.write_into(&mut x[i * dim..(i + 1) * dim]);
        }
        Block {
            dim,
            x,
            y: points.iter().map(|p| p.label).collect(),
        }
    }
}

/// The points of each worker, in blocks (in the worker's order of the points).
pub(crate) fn blocks<'s>(points: &DataSet<'s, LabeledPoint>) -> DataSet<'s, Block> {
    points.map_partition(|all: Vec<LabeledPoint>| {
        all.chunks(BLOCK_ROWS)
            .map(Block::from_points)
            .collect::<Vec<_>>()
    })
}
