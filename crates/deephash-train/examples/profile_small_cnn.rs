//! Where a small-CNN training step spends its time: data (transforms of one P x K batch of
//! the bundled Fashion-MNIST subset), forward, loss + backward, optimiser step, and
//! evaluation-mode forward throughput.
//!
//! ```sh
//! cargo run --release -p deephash-train --example profile_small_cnn -- [WIDTH STAGES [STEPS]]
//! ```
//!
//! Run from the repository root (it loads `data/fashion-mnist-subset`).

use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use deephash_data::sampler::{epoch_rng, pk_batches};
use deephash_data::{DatasetKind, DatasetSpec, Split};
use deephash_model::{BackboneConfig, BackboneKind, HashNetConfig, HeadKind};
use deephash_train::ImageSource;
use deephash_train::dataset_source::DatasetSource;
use deephash_train::loss::LabelSets;
use deephash_train::memory_source::transforms_for;
use deephash_train::module_step::TrainModule;
use deephash_train::recipe;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kind = BackboneKind::SmallCnn;
    let mut model = HashNetConfig::new(kind, HeadKind::Linear, 64);
    if let BackboneConfig::SmallCnn(c) = &mut model.backbone {
        c.width = arg(1, c.width);
        c.stages = arg(2, c.stages);
        println!("{c:?}");
    }
    let steps = arg(3, 20);
    let cfg = recipe::loop_config(kind, recipe::default_mode(kind), 64);
    let dataset = DatasetSpec::new(DatasetKind::FashionMnist, None).load()?;
    let (train_tf, eval_tf) = transforms_for(kind);
    let source = DatasetSource::new(
        dataset.split(Split::Train).to_vec(),
        train_tf,
        eval_tf,
        None,
        "profile".into(),
    )?;
    let labels = source.labels();
    let rows: Vec<usize> = (0..source.len()).collect();
    let plan = pk_batches(
        &labels,
        &rows,
        cfg.classes_per_batch,
        cfg.per_class,
        &mut epoch_rng(0, 0),
    );
    let device = Device::flex().autodiff();
    device.seed(0);
    let mut net = model.init(&device)?;
    let mut optim = cfg.optimizer.build();
    let (mut t_data, mut t_fwd, mut t_bwd, mut t_opt) = (0.0, 0.0, 0.0, 0.0);
    let mut images = 0usize;
    for (step, batch) in plan.iter().take(steps + 2).enumerate() {
        let t0 = Instant::now();
        let (pixels, shape) = source.pixels(batch, Some(step as u64))?;
        let t1 = Instant::now();
        let x = Tensor::<4>::from_data(TensorData::new(pixels, shape), &device);
        let h = net.forward(x);
        let _ = h.clone().into_data();
        let t2 = Instant::now();
        let set = LabelSets::multi(batch.iter().map(|&i| labels[i].clone()).collect());
        let loss = cfg.loss.forward(h, &set)?;
        let grads = loss.backward();
        let t3 = Instant::now();
        net = net.optimizer_step(&mut optim, grads, 1e-3, 1e-3);
        let t4 = Instant::now();
        if step >= 2 {
            t_data += (t1 - t0).as_secs_f64();
            t_fwd += (t2 - t1).as_secs_f64();
            t_bwd += (t3 - t2).as_secs_f64();
            t_opt += (t4 - t3).as_secs_f64();
            images += batch.len();
        }
    }
    let per = |t: f64| 1e3 * t / steps as f64;
    println!(
        "per batch of {}: data {:.1} ms, forward {:.1} ms, loss+backward {:.1} ms, optimiser {:.1} ms; {:.0} img/s",
        cfg.batch_size(),
        per(t_data),
        per(t_fwd),
        per(t_bwd),
        per(t_opt),
        images as f64 / (t_data + t_fwd + t_bwd + t_opt)
    );
    let plain = Device::flex();
    let eval = model.init(&plain)?;
    let chunk: Vec<usize> = (0..500).collect();
    let (pixels, shape) = source.pixels(&chunk, None)?;
    let t0 = Instant::now();
    for _ in 0..4 {
        let x = Tensor::<4>::from_data(TensorData::new(pixels.clone(), shape), &plain);
        let _ = eval.forward(x).into_data();
    }
    println!(
        "eval forward: {:.0} img/s",
        2000.0 / t0.elapsed().as_secs_f64()
    );
    Ok(())
}
