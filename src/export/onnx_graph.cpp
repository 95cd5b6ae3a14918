#include "export/onnx_graph.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <map>
#include <numeric>

#include "core/error.h"
#include "core/io.h"
#include "core/strings.h"

namespace hwnas {

struct OnnxGraph::Impl {
  onnx::ModelProto model;
  onnx::GraphProto* graph = nullptr;
  std::string prefix;
  int counter = 0;
  bool has_input = false, has_output = false;

  /// A fresh name for a node or tensor of `kind` under the current scope.
  std::string fresh(const std::string& kind) { return str_cat(prefix, kind, "_", counter++); }

  onnx::NodeProto* node(const std::string& type, const std::vector<std::string>& inputs, const std::string& output) {
    onnx::NodeProto* n = graph->add_node();
    n->set_op_type(type);
    n->set_name(output);
    for (const std::string& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }

  std::string initializer(const std::string& kind, const OnnxWeights& w) {
    const int64_t n = std::accumulate(w.shape.begin(), w.shape.end(), int64_t{1}, std::multiplies<>());
    HWNAS_CHECK(n == static_cast<int64_t>(w.data.size()), "onnx export: ", kind, " has ", w.data.size(),
                " values for a shape of ", n);
    onnx::TensorProto* t = graph->add_initializer();
    const std::string name = fresh(kind);
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : w.shape) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(w.data.data()), w.data.size() * sizeof(float)));
    return name;
  }

  std::string int_initializer(const std::vector<int64_t>& v) {
    onnx::TensorProto* t = graph->add_initializer();
    const std::string name = fresh("shape");
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
    return name;
  }

  std::string scalar(const std::string& kind, float value) {
    onnx::TensorProto* t = graph->add_initializer();
    const std::string name = fresh(kind);
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_float_data(value);
    return name;
  }
};

namespace {

void set_int(onnx::NodeProto* n, const char* name, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void set_float(onnx::NodeProto* n, const char* name, float v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
void set_ints(onnx::NodeProto* n, const char* name, const std::vector<int64_t>& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void set_shape(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& shape) {
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* s = t->mutable_shape();
  s->add_dim()->set_dim_param("N");
  for (int64_t d : shape) s->add_dim()->set_dim_value(d);
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::vector<std::string> parts;
  for (int64_t d : s) parts.push_back(std::to_string(d));
  return "[" + join(parts, ", ") + "]";
}


/// Output size of a window op along one dimension (torch's formula).
int64_t pooled(int64_t in, int k, int s, int p, bool ceil_mode) {
  const int64_t num = in + 2 * p - k;
  int64_t out = (ceil_mode ? (num + s - 1) / s : num / s) + 1;
  // torch and ONNX: the last window must start inside the input or its left padding.
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

void check_map(const OnnxValue& x, const char* op) {
  HWNAS_CHECK(x.shape.size() == 3, "onnx export: ", op, " needs a [C, H, W] feature map, got ", shape_text(x.shape));
}

}  // namespace

OnnxGraph::OnnxGraph(const std::string& graph_name) : impl_(std::make_unique<Impl>()) {
  onnx::ModelProto& m = impl_->model;
  m.set_ir_version(onnx::IR_VERSION);
  m.set_producer_name("hwnas");
  m.set_producer_version("0.1.0");
  onnx::OperatorSetIdProto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(kOnnxOpset);
  impl_->graph = m.mutable_graph();
  impl_->graph->set_name(graph_name);
}

OnnxGraph::~OnnxGraph() = default;

OnnxGraph::Scope::Scope(OnnxGraph& g, const std::string& prefix) : g_(g), saved_(g.impl_->prefix.size()) {
  g.impl_->prefix += prefix + "/";
}
OnnxGraph::Scope::~Scope() { g_.impl_->prefix.resize(saved_); }

OnnxValue OnnxGraph::input(const std::string& name, const std::vector<int64_t>& shape) {
  HWNAS_CHECK(!impl_->has_input, "onnx export: the graph has an input already");
  impl_->has_input = true;
  set_shape(impl_->graph->add_input(), name, shape);
  return {name, shape};
}

void OnnxGraph::output(const OnnxValue& v, const std::string& name) {
  HWNAS_CHECK(!impl_->has_output, "onnx export: the graph has an output already");
  impl_->has_output = true;
  impl_->node("Identity", {v.name}, name);
  set_shape(impl_->graph->add_output(), name, v.shape);
}

OnnxValue OnnxGraph::conv(const OnnxValue& x, const OnnxWeights& weight, const OnnxWeights& bias, int stride,
                          int groups) {
  check_map(x, "Conv");
  HWNAS_CHECK(weight.shape.size() == 4 && weight.shape[2] == weight.shape[3] && weight.shape[2] % 2 == 1,
              "onnx export: conv weight must be [out, in/groups, k, k] with odd k, got ", shape_text(weight.shape));
  HWNAS_CHECK(groups >= 1 && x.shape[0] == weight.shape[1] * groups && weight.shape[0] % groups == 0,
              "onnx export: conv of ", x.shape[0], " channels with weight ", shape_text(weight.shape), " in ",
              groups, " groups");
  HWNAS_CHECK(bias.data.empty() || (bias.shape.size() == 1 && bias.shape[0] == weight.shape[0]),
              "onnx export: conv bias ", shape_text(bias.shape), " for ", weight.shape[0], " outputs");
  const int k = static_cast<int>(weight.shape[2]), p = k / 2;
  std::vector<std::string> in{x.name, impl_->initializer("W", weight)};
  if (!bias.data.empty()) in.push_back(impl_->initializer("B", bias));
  const std::string y = impl_->fresh("conv");
  onnx::NodeProto* n = impl_->node("Conv", in, y);
  set_ints(n, "kernel_shape", {k, k});
  set_ints(n, "strides", {stride, stride});
  set_ints(n, "pads", {p, p, p, p});
  set_ints(n, "dilations", {1, 1});
  set_int(n, "group", groups);
  return {y, {weight.shape[0], pooled(x.shape[1], k, stride, p, false), pooled(x.shape[2], k, stride, p, false)}};
}

OnnxValue OnnxGraph::relu(const OnnxValue& x) {
  const std::string y = impl_->fresh("relu");
  impl_->node("Relu", {x.name}, y);
  return {y, x.shape};
}

OnnxValue OnnxGraph::clip(const OnnxValue& x, float lo, float hi) {
  const std::string y = impl_->fresh("clip");
  onnx::NodeProto* n = impl_->node("Clip", {x.name}, y);
  set_float(n, "min", lo);
  set_float(n, "max", hi);
  return {y, x.shape};
}

OnnxValue OnnxGraph::add(const OnnxValue& a, const OnnxValue& b) {
  HWNAS_CHECK(a.shape == b.shape, "onnx export: Add of ", shape_text(a.shape), " and ", shape_text(b.shape));
  const std::string y = impl_->fresh("add");
  impl_->node("Add", {a.name, b.name}, y);
  return {y, a.shape};
}

OnnxValue OnnxGraph::mul(const OnnxValue& a, const OnnxValue& b) {
  HWNAS_CHECK(a.shape.size() == b.shape.size() && a.shape[0] == b.shape[0],
              "onnx export: Mul of ", shape_text(a.shape), " and ", shape_text(b.shape));
  const std::string y = impl_->fresh("mul");
  impl_->node("Mul", {a.name, b.name}, y);
  return {y, a.shape.size() == 3 && a.shape[1] * a.shape[2] > b.shape[1] * b.shape[2] ? a.shape : b.shape};
}

OnnxValue OnnxGraph::scale(const OnnxValue& x, float factor) {
  const std::string y = impl_->fresh("scale");
  impl_->node("Mul", {x.name, impl_->scalar("factor", factor)}, y);
  return {y, x.shape};
}

OnnxValue OnnxGraph::concat(const std::vector<OnnxValue>& xs) {
  HWNAS_CHECK(!xs.empty(), "onnx export: Concat of nothing");
  std::vector<std::string> in;
  int64_t c = 0;
  for (const OnnxValue& x : xs) {
    check_map(x, "Concat");
    HWNAS_CHECK(x.shape[1] == xs[0].shape[1] && x.shape[2] == xs[0].shape[2], "onnx export: Concat of ",
                shape_text(xs[0].shape), " and ", shape_text(x.shape));
    in.push_back(x.name);
    c += x.shape[0];
  }
  const std::string y = impl_->fresh("concat");
  set_int(impl_->node("Concat", in, y), "axis", 1);
  return {y, {c, xs[0].shape[1], xs[0].shape[2]}};
}

std::pair<OnnxValue, OnnxValue> OnnxGraph::split_channels(const OnnxValue& x) {
  check_map(x, "Split");
  HWNAS_CHECK(x.shape[0] % 2 == 0, "onnx export: cannot halve ", x.shape[0], " channels");
  const std::string a = impl_->fresh("half"), b = impl_->fresh("half");
  onnx::NodeProto* n = impl_->graph->add_node();
  n->set_op_type("Split");
  n->set_name(a);
  n->add_input(x.name);
  n->add_output(a);
  n->add_output(b);
  set_int(n, "axis", 1);
  set_ints(n, "split", {x.shape[0] / 2, x.shape[0] / 2});
  const std::vector<int64_t> s{x.shape[0] / 2, x.shape[1], x.shape[2]};
  return {{a, s}, {b, s}};
}

OnnxValue OnnxGraph::channel_shuffle(const OnnxValue& x) {
  check_map(x, "channel shuffle");
  const int64_t c = x.shape[0], h = x.shape[1], w = x.shape[2];
  HWNAS_CHECK(c % 2 == 0, "onnx export: cannot shuffle ", c, " channels in 2 groups");
  const std::string r1 = impl_->fresh("shuffle_split"), t = impl_->fresh("shuffle_swap"),
                    r2 = impl_->fresh("shuffle");
  impl_->node("Reshape", {x.name, impl_->int_initializer({0, 2, c / 2, h, w})}, r1);
  set_ints(impl_->node("Transpose", {r1}, t), "perm", {0, 2, 1, 3, 4});
  impl_->node("Reshape", {t, impl_->int_initializer({0, c, h, w})}, r2);
  return {r2, x.shape};
}

OnnxValue OnnxGraph::max_pool(const OnnxValue& x, int kernel, int stride, int pad) {
  check_map(x, "MaxPool");
  const std::string y = impl_->fresh("maxpool");
  onnx::NodeProto* n = impl_->node("MaxPool", {x.name}, y);
  set_ints(n, "kernel_shape", {kernel, kernel});
  set_ints(n, "strides", {stride, stride});
  set_ints(n, "pads", {pad, pad, pad, pad});
  return {y, {x.shape[0], pooled(x.shape[1], kernel, stride, pad, false), pooled(x.shape[2], kernel, stride, pad, false)}};
}

OnnxValue OnnxGraph::avg_pool(const OnnxValue& x, int kernel, int stride, int pad, bool ceil_mode,
                              bool count_include_pad) {
  check_map(x, "AveragePool");
  const std::string y = impl_->fresh("avgpool");
  onnx::NodeProto* n = impl_->node("AveragePool", {x.name}, y);
  set_ints(n, "kernel_shape", {kernel, kernel});
  set_ints(n, "strides", {stride, stride});
  set_ints(n, "pads", {pad, pad, pad, pad});
  set_int(n, "ceil_mode", ceil_mode ? 1 : 0);
  set_int(n, "count_include_pad", count_include_pad ? 1 : 0);
  return {y, {x.shape[0], pooled(x.shape[1], kernel, stride, pad, ceil_mode),
              pooled(x.shape[2], kernel, stride, pad, ceil_mode)}};
}

OnnxValue OnnxGraph::global_avg_pool(const OnnxValue& x) {
  check_map(x, "GlobalAveragePool");
  const std::string y = impl_->fresh("gap");
  impl_->node("GlobalAveragePool", {x.name}, y);
  return {y, {x.shape[0], 1, 1}};
}

OnnxValue OnnxGraph::flatten(const OnnxValue& x) {
  const std::string y = impl_->fresh("flatten");
  set_int(impl_->node("Flatten", {x.name}, y), "axis", 1);
  return {y, {std::accumulate(x.shape.begin(), x.shape.end(), int64_t{1}, std::multiplies<>())}};
}

OnnxValue OnnxGraph::gemm(const OnnxValue& x, const OnnxWeights& weight, const OnnxWeights& bias) {
  HWNAS_CHECK(x.shape.size() == 1 && weight.shape.size() == 2 && weight.shape[1] == x.shape[0] &&
                  bias.shape == std::vector<int64_t>{weight.shape[0]},
              "onnx export: Gemm of ", shape_text(x.shape), " with weight ", shape_text(weight.shape), " and bias ",
              shape_text(bias.shape));
  const std::string y = impl_->fresh("gemm");
  onnx::NodeProto* n =
      impl_->node("Gemm", {x.name, impl_->initializer("W", weight), impl_->initializer("B", bias)}, y);
  set_int(n, "transB", 1);
  return {y, {weight.shape[0]}};
}

OnnxValue OnnxGraph::hard_sigmoid(const OnnxValue& x) {
  const std::string y = impl_->fresh("hsigmoid");
  onnx::NodeProto* n = impl_->node("HardSigmoid", {x.name}, y);
  set_float(n, "alpha", 1.0f / 6.0f);
  set_float(n, "beta", 0.5f);
  return {y, x.shape};
}

OnnxValue OnnxGraph::hard_swish(const OnnxValue& x) {
  // HardSwish itself is opset 14; x * HardSigmoid(x) is the same function.
  const OnnxValue g = hard_sigmoid(x);
  const std::string y = impl_->fresh("hswish");
  impl_->node("Mul", {x.name, g.name}, y);
  return {y, x.shape};
}

OnnxValue OnnxGraph::batch_norm(const OnnxValue& x, const OnnxWeights& gamma, const OnnxWeights& beta,
                                const OnnxWeights& mean, const OnnxWeights& var, float eps) {
  check_map(x, "BatchNormalization");
  for (const OnnxWeights* w : {&gamma, &beta, &mean, &var})
    HWNAS_CHECK(w->shape == std::vector<int64_t>{x.shape[0]}, "onnx export: BatchNormalization of ", x.shape[0],
                " channels with a parameter of shape ", shape_text(w->shape));
  const std::string y = impl_->fresh("bn");
  onnx::NodeProto* n =
      impl_->node("BatchNormalization",
                  {x.name, impl_->initializer("gamma", gamma), impl_->initializer("beta", beta),
                   impl_->initializer("mean", mean), impl_->initializer("var", var)},
                  y);
  set_float(n, "epsilon", eps);
  return {y, x.shape};
}

void OnnxGraph::metadata(const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto* e = impl_->model.add_metadata_props();
  e->set_key(key);
  e->set_value(value);
}

int OnnxGraph::num_nodes() const { return impl_->graph->node_size(); }

std::string OnnxGraph::serialize() const {
  HWNAS_CHECK(impl_->has_input && impl_->has_output, "onnx export: the graph needs an input and an output");
  try {
    onnx::checker::check_model(impl_->model);
  } catch (const std::exception& e) {
    HWNAS_CHECK(false, "onnx export: the checker refused the model: ", first_line(e.what()));
  }
  std::string bytes;
  HWNAS_CHECK(impl_->model.SerializeToString(&bytes), "onnx export: could not serialise the model");
  return bytes;
}

void save_onnx(const std::string& path, const std::string& bytes) { write_file_atomic(path, bytes); }

OnnxSummary summarize_onnx(const std::string& bytes, const std::string& origin) {
  onnx::ModelProto m;
  HWNAS_CHECK(m.ParseFromString(bytes), origin, ": not an ONNX model (protobuf parse failed)");
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    HWNAS_CHECK(false, origin, ": the ONNX checker refused the model: ", first_line(e.what()));
  }
  OnnxSummary s;
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") s.opset = static_cast<int>(o.version());
  const onnx::GraphProto& g = m.graph();
  HWNAS_CHECK(g.input_size() >= 1 && g.output_size() >= 1, origin, ": the model has no input or no output");
  s.input = g.input(0).name();
  s.output = g.output(0).name();
  for (const auto& d : g.input(0).type().tensor_type().shape().dim())
    s.input_shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
  s.nodes = g.node_size();
  std::map<std::string, int> counts;
  for (const auto& n : g.node()) ++counts[n.op_type()];
  s.op_counts.assign(counts.begin(), counts.end());
  for (const auto& e : m.metadata_props()) s.metadata.emplace_back(e.key(), e.value());
  for (const auto& t : g.initializer()) {
    int64_t n = 1;
    for (int64_t d : t.dims()) n *= d;
    s.parameters += n;
  }
  return s;
}

}  // namespace hwnas
