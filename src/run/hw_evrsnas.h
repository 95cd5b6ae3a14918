// HW-EvRSNAS's parts on the LibTorch side: the reference model (trained
// stand-alone), the single batch and the RMI proxy against the reference.
// `hwnas rmi` and `hwnas run --method hw-evrsnas` both use them.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/rmi.h"
#include "run/context.h"
#include "train/trainer.h"

namespace hwnas {

/// Settings of the reference and the proxy.
struct HwEvrsnasOptions {
  std::string reference_arch = "largest";  ///< arch text, or nor_conv_3x3 on every edge
  TrainOptions reference_train;
  RmiOptions rmi;
  int batch_size = 32;  ///< images in the single RMI batch (RMI-NAS uses 32)
  HwEvrsnasOptions();   ///< the defaults `hwnas rmi` documents
};

/// The reference's files in the run directory: <name>.pt and <name>.json.
inline constexpr const char* kReferenceName = "rmi_reference";

struct Reference {
  std::shared_ptr<NetworkImpl> net;
  Arch arch;
  double test_accuracy = 0;
};

/// Trains the reference (stand-alone, full training set, tested on the test
/// set) as `rmi_reference.pt/.json`, or loads it when it is already there.
/// With `reuse_any`, a finished reference is reused whatever its training
/// settings (scoring and search need *a* reference, not a retraining).
Reference reference_stage(Workspace& ws, const HwEvrsnasOptions& a, bool resume, bool reuse_any);

/// The RMI proxy on the single seeded batch of search-train, against `ref`.
std::unique_ptr<RmiProxy> make_proxy(Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref);

/// What must match for stored RMI scores to be reused.
nlohmann::json rmi_settings(const Workspace& ws, const HwEvrsnasOptions& a, const Reference& ref);

}  // namespace hwnas
