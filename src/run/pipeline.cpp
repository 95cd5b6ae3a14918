#include "run/pipeline.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

void finish_options(PipelineOptions* o) {
  // Fine-tuning shares the supernet's batch size; one --finetune-epochs and
  // --finetune-limit for both stages.
  o->finetune2.epochs = o->finetune1.epochs;
  o->finetune2.limit = o->finetune1.limit;
  for (TrainOptions* t : {&o->finetune1, &o->finetune2}) t->batch_size = o->supernet.batch_size;
  o->diff.method = o->method;
  o->diff.seed = o->common.exec.seed;
}

void run_pipeline(const PipelineOptions& o) {
  if (o.method == "hsconas") return run_hsconas(o);
  if (o.method == "hurricane") return run_hurricane_method(o);
  if (o.method == "hw-evrsnas") return run_hw_evrsnas_method(o);
  if (o.method == "lightnas" || o.method == "surgenas") return run_diff_method(o);
  HWNAS_CHECK(false, "unknown method '", o.method, "' (", join(method_names(), ", "), ")");
}

std::vector<std::string> method_names() { return {"hsconas", "hurricane", "hw-evrsnas", "lightnas", "surgenas"}; }

}  // namespace hwnas
