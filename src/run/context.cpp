#include "run/context.h"

#include <cstdio>

#include "core/error.h"
#include "nn/device.h"

namespace hwnas {

std::unique_ptr<Workspace> open_workspace(const CommonOptions& opts) {
  auto ws = std::make_unique<Workspace>();
  ws->opts = opts;
  ws->threads = std::make_unique<ThreadScope>(opts.exec.threads);
  ws->device = parse_device(opts.exec.device);  // before the data: a missing GPU fails fast
  ws->space = make_space(opts.space);
  ws->data = load_dataset(opts.dataset);
  const Backbone& b = ws->space->backbone;
  const ImageSet& train = ws->data.train;
  HWNAS_CHECK(train.images.size(1) == b.in_channels && train.images.size(2) == b.in_size &&
                  train.images.size(3) == b.in_size,
              "data set ", opts.dataset, " has ", train.images.size(1), "x", train.images.size(2), "x",
              train.images.size(3), " images but space ", opts.space, " expects ", b.in_channels, "x",
              b.in_size, "x", b.in_size, " (set in_channels / in_size in the space string)");
  HWNAS_CHECK(train.num_classes == b.num_classes, "data set ", opts.dataset, " has ",
              train.num_classes, " classes but space ", opts.space, " has ", b.num_classes,
              " (set classes=", train.num_classes, ")");
  ws->split = make_search_split(train, opts.valid_per_class, opts.exec.seed);
  ws->norm = compute_normalization(ws->split.search_train);
  ws->run = std::make_unique<RunDir>(opts.run_dir);
  std::fprintf(stderr, "hwnas: %s: %lld search-train / %lld search-valid / %lld test images; space %s; run dir %s\n",
               opts.dataset.c_str(), static_cast<long long>(ws->split.search_train.size()),
               static_cast<long long>(ws->split.search_valid.size()),
               static_cast<long long>(ws->data.test.size()), opts.space.c_str(), opts.run_dir.c_str());
  return ws;
}

}  // namespace hwnas
