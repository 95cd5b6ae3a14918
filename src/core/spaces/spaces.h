// Builders of the built-in spaces; make_space() in registry.cpp dispatches here.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/search_space.h"

namespace hwnas {

std::unique_ptr<SearchSpace> make_hsconas_space(const std::map<std::string, std::string>& opts);
/// HURRICANE (hurricane.cpp): Table 4 backbone, 32-op pool, ops only (one width factor).
std::unique_ptr<SearchSpace> make_hurricane_space(const std::map<std::string, std::string>& opts);
/// SurgeNAS / LightNAS layer-wise MobileNetV2 (mbv2.cpp): 21 layers x 7 ops.
std::unique_ptr<SearchSpace> make_mbv2_space(const std::map<std::string, std::string>& opts);
/// Domino (domino.cpp): the mbv2 layout's MobileNetV2, each block kept or grafted, 2^21.
std::unique_ptr<SearchSpace> make_domino_space(const std::map<std::string, std::string>& opts);
/// NAS-Bench-201 (nb201.cpp); the Nb201Space type and the official index are in nb201.h.
std::unique_ptr<SearchSpace> make_nb201_space(const std::map<std::string, std::string>& opts);

}  // namespace hwnas
