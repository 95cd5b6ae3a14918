#include "run/hurricane.h"

#include <cstdio>

#include "core/error.h"
#include "core/rng.h"
#include "core/strings.h"
#include "nn/network.h"
#include "run/run_dir.h"

namespace hwnas {

TrainRoundFn make_supernet_rounds(Workspace& ws, const HurricaneRoundOptions& opts) {
  opts.train.validate();
  HWNAS_CHECK(opts.train.checkpoint.empty(),
              "hurricane: per-iteration supernets are not checkpointed; leave TrainOptions::checkpoint empty");
  Workspace* w = &ws;
  return [w, opts](int iteration, const SearchSpace& subspace, const PathSampler& sampler) {
    // A fresh supernet per iteration, from its own seed.
    torch::manual_seed(static_cast<uint64_t>(
        mix_seed(opts.train.seed ^ mix_seed(0x48555252ULL + static_cast<uint64_t>(iteration))) >> 1));
    std::shared_ptr<NetworkImpl> supernet = make_supernet(subspace);
    TrainOptions o = opts.train;
    o.device = w->device;
    o.seed = mix_seed(opts.train.seed + static_cast<uint64_t>(iteration));  // data order per iteration
    const int64_t n = o.limit > 0 ? std::min<int64_t>(o.limit, w->split.search_train.size())
                                  : w->split.search_train.size();
    const int64_t per_epoch = std::max<int64_t>(1, n / o.batch_size);
    const std::string label = str_cat("hurricane iter ", iteration);
    const TrainStats stats = train(*supernet, sampler, w->split.search_train, w->norm, o,
                                   opts.quiet ? StepCallback() : console_progress(label, per_epoch, o.batch_size));
    if (!opts.quiet)
      std::fprintf(stderr, "%s: %lld training iterations, %.1f s, last-epoch loss %.3f, train acc %.1f%%\n",
                   label.c_str(), static_cast<long long>(stats.steps), stats.seconds, stats.last_loss,
                   stats.last_accuracy);
    if (opts.save_weights) save_module(*supernet, w->run->file(str_cat("hurricane_iter", iteration, ".pt")));
    SupernetRound round;
    round.train_steps = stats.steps;
    round.evaluator = std::make_unique<SupernetEvaluator>(supernet, subspace, w->split.search_train,
                                                          w->split.search_valid, w->norm, opts.eval);
    return round;
  };
}

OpScoring score_table(const SearchSpace& space, const Lut& lut, OpScoringOptions o) {
  o.batch = lut.target.batch;
  return score_operators(space, [&lut](const OpSpec& s) { return lut.op_ms(s); }, o);
}

nlohmann::json iteration_json(const SearchSpace& space, const AscentIteration& it) {
  nlohmann::json active = nlohmann::json::array();
  for (int l : it.active) active.push_back(l + 1);
  return nlohmann::json{{"iteration", it.iteration},
                        {"active_layers", active},
                        {"subspace_log10", it.subspace_log10},
                        {"start", space.format(it.start)},
                        {"winner", space.format(it.winner)},
                        {"found", it.found},
                        {"accuracy", it.accuracy},
                        {"latency_ms", it.latency_ms},
                        {"train_steps", it.train_steps},
                        {"sampler_draws", it.sampler_draws},
                        {"sampler_rejected", it.sampler_rejected},
                        {"sampler_fallbacks", it.sampler_fallbacks},
                        {"evaluated", it.history.size()},
                        {"skipped_over_budget", it.skipped_over_budget}};
}

AscentResult run_ascent(Workspace& ws, const SearchSpace& reduced, const Arch& initial, const LatencyModel& latency,
                        const HurricaneRoundOptions& ro, const CoordinateAscentOptions& ao,
                        const std::function<void(const AscentIteration&)>& on_iteration,
                        nlohmann::json* iterations) {
  nlohmann::json records = nlohmann::json::array();
  auto each = [&](const AscentIteration& it) {
    it.history.write_csv(ws.run->file(str_cat("search_iter", it.iteration, ".csv")));
    records.push_back(iteration_json(*ws.space, it));
    ws.run->write("hurricane.json", nlohmann::json{{"iterations", records}}.dump(1) + "\n");
    on_iteration(it);
    return false;
  };
  AscentResult r = coordinate_ascent(reduced, initial, latency, make_supernet_rounds(ws, ro), ao, each);
  HWNAS_CHECK(!r.iterations.empty(), "coordinate ascent ran no iteration");
  if (iterations) *iterations = records;
  return r;
}

}  // namespace hwnas
