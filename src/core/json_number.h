// A number for a JSON record, where a missing figure is NaN.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace hwnas {

/// `v`, or null where it is NaN or infinite (JSON has neither): a figure
/// that was not measured reads as null, not as a number.
template <class Json = nlohmann::json>
Json number_or_null(double v) {
  return std::isfinite(v) ? Json(v) : Json();
}

}  // namespace hwnas
