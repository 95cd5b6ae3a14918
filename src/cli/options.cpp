#include "cli/options.h"

namespace hwnas {

void add_common_options(CLI::App* cmd, CommonOptions* o) {
  cmd->add_option("--space", o->space, "Search space, e.g. hsconas, hsconas:layout=A (see hwnas spaces)")
      ->capture_default_str();
  cmd->add_option("--dataset", o->dataset,
                  "fashion-mnist | mnist-idx:DIR | cifar10:DIR")
      ->capture_default_str();
  cmd->add_option("--run-dir", o->run_dir, "Run directory for artifacts")->capture_default_str();
  cmd->add_option("--threads", o->exec.threads, "Intra-op threads of one job (0 = all cores)")->capture_default_str();
  cmd->add_option("--jobs", o->exec.jobs,
                  "Independent trainings at once, one thread each (0 = one per core)")
      ->capture_default_str();
  cmd->add_option("--seed", o->exec.seed, "Seed of every random stream")->capture_default_str();
  cmd->add_option("--device", o->exec.device,
                  "Where training and evaluation run: cpu, cuda or cuda:N (needs a CUDA LibTorch and a GPU)")
      ->capture_default_str();
  cmd->add_option("--valid-per-class", o->valid_per_class,
                  "Search-validation images per class, held out of the training set")
      ->capture_default_str();
}

CLI::Option* add_switch(CLI::App* cmd, const std::string& names, bool* field, const std::string& help) {
  return cmd->add_flag(names, *field, help)->default_str(*field ? "true" : "false");
}

void add_train_options(CLI::App* cmd, TrainOptions* o, const std::string& p) {
  cmd->add_option("--" + p + "epochs", o->epochs, "Training epochs")->capture_default_str();
  cmd->add_option("--" + p + "batch-size", o->batch_size, "Mini-batch size")->capture_default_str();
  cmd->add_option("--" + p + "lr", o->lr, "Initial learning rate (cosine to 0)")->capture_default_str();
  cmd->add_option("--" + p + "warmup-epochs", o->warmup_epochs, "Linear warm-up epochs")
      ->capture_default_str();
  cmd->add_option("--" + p + "weight-decay", o->weight_decay, "SGD weight decay")->capture_default_str();
  cmd->add_option("--" + p + "label-smoothing", o->label_smoothing, "Label smoothing (0 = off)")
      ->capture_default_str();
  cmd->add_option("--" + p + "limit", o->limit, "Train on the first N images only (0 = all)")
      ->capture_default_str();
}

}  // namespace hwnas
