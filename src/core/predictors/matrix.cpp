#include "core/predictors/matrix.h"

#include <algorithm>

#include "core/error.h"

namespace hwnas {

Matrix matrix_from_rows(const std::vector<std::vector<double>>& rows) {
  const int n = static_cast<int>(rows.size());
  const int p = n == 0 ? 0 : static_cast<int>(rows[0].size());
  Matrix m(n, p);
  for (int r = 0; r < n; ++r) {
    HWNAS_CHECK(static_cast<int>(rows[r].size()) == p, "matrix row ", r, " has ", rows[r].size(),
                " values, row 0 has ", p);
    std::copy(rows[r].begin(), rows[r].end(), m.row(r).begin());
  }
  return m;
}

bool positive_definite(const Eigen::LLT<Matrix>& llt) {
  if (llt.info() != Eigen::Success) return false;
  const auto pivots = llt.matrixLLT().diagonal().array();
  return pivots.allFinite() && (pivots > 0.0).all();
}

Vector solve_spd(const Matrix& a, const Vector& b) {
  HWNAS_CHECK(a.rows() == a.cols() && a.rows() == b.size(), "solve_spd: a ", a.rows(), "x", a.cols(),
              " matrix and a vector of ", b.size());
  const Eigen::LLT<Matrix> llt(a);
  HWNAS_CHECK(positive_definite(llt), "solve_spd: the ", a.rows(), "x", a.cols(),
              " matrix is not positive definite");
  return llt.solve(b);
}

}  // namespace hwnas
