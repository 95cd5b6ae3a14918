// LightNAS's second-stage proxy (thesis Def. 4.1): a candidate trained from
// scratch for E epochs on N fixed batches, no shuffle and no augmentation,
// scored by how fast its loss falls: BTE (batch training efficiency, higher
// is better) or, for comparison, Ru et al.'s training-speed estimate TSE
// (the sum of the losses, scored as -TSE so that higher is better too).
// Each candidate's training is independent of the others', so a generation
// trains side by side, one core each (nn/execution.h, run_jobs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/search_space.h"
#include "data/dataset.h"
#include "train/trainer.h"

namespace hwnas {

/// "bte:epochs=3,images=1024,batch=64,lr=0.1" (or "tse:..."). E = 3 is the
/// thesis' default; the batches are the first `images` of the set in its
/// stored order; the trainer's SGD (momentum 0.9, cosine over the E epochs).
struct TrainingProxyOptions {
  std::string kind = "bte";  ///< bte | tse
  int epochs = 3;
  int images = 1024;
  int batch_size = 64;
  double lr = 0.1;
  uint64_t seed = 0;  ///< initial weights: per (seed, arch)
  torch::Device device = torch::kCPU;  ///< where the candidates train (not part of the string)
  /// Throws hwnas::Error naming the first bad field.
  void validate() const;
  /// The factory string, every option written out (the seed is not part of it).
  std::string describe() const;
};

/// Parses a proxy factory string; throws hwnas::Error on unknown names or keys.
TrainingProxyOptions parse_training_proxy(const std::string& spec, uint64_t seed = 0);

/// One candidate's proxy training.
struct ProxyTraining {
  double score = 0;                         ///< BTE, or -TSE
  std::vector<std::vector<double>> losses;  ///< [epoch][batch]
  double seconds = 0;
};

class TrainingProxyEvaluator : public Evaluator {
 public:
  /// `space`, `data` must outlive the evaluator; `jobs` trainings at once.
  TrainingProxyEvaluator(const SearchSpace& space, const ImageSet& data, const Normalization& norm,
                         TrainingProxyOptions opts, int jobs);
  /// Trains `arch` and scores it (no cache).
  ProxyTraining train(const Arch& arch) const;
  double accuracy(const Arch& arch) override;
  /// The archs trained side by side, `jobs` at once, one progress line each.
  std::vector<double> accuracies(const std::vector<Arch>& archs) override;
  std::string describe() const override;
  int evaluations() const { return evaluations_; }
  double seconds() const { return seconds_; }  ///< summed over trainings

 private:
  const SearchSpace& space_;
  const ImageSet& data_;
  Normalization norm_;
  TrainingProxyOptions opts_;
  int jobs_;
  int evaluations_ = 0;
  double seconds_ = 0;
};

/// Accuracy (%) on `valid` after training the arch from scratch on `train`
/// with `opts`: with a short training a cheap proxy (Domino's meta-training
/// pairs), with the finals' settings the real thing. Initial weights per
/// (opts.seed, arch) as the retrain stage draws them; a batch of archs
/// trains side by side, `jobs` at once.
class TrainedAccuracyEvaluator : public Evaluator {
 public:
  /// The sets must outlive the evaluator; `label` names it in progress lines.
  TrainedAccuracyEvaluator(const SearchSpace& space, const ImageSet& train, const ImageSet& valid,
                           const Normalization& norm, TrainOptions opts, int jobs, std::string label);
  double accuracy(const Arch& arch) override { return accuracies({arch})[0]; }
  std::vector<double> accuracies(const std::vector<Arch>& archs) override;
  /// "trained(epochs=E,limit=N,batch=B,lr=R,seed=S)".
  std::string describe() const override;

 private:
  const SearchSpace& space_;
  const ImageSet& train_;
  const ImageSet& valid_;
  Normalization norm_;
  TrainOptions opts_;
  int jobs_;
  std::string label_;
};

}  // namespace hwnas
