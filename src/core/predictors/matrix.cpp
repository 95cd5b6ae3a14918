#include "core/predictors/matrix.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hwnas {

Matrix::Matrix(int rows_in, int cols_in, double value)
    : rows(rows_in), cols(cols_in), data(static_cast<size_t>(rows_in) * cols_in, value) {
  HWNAS_CHECK(rows_in >= 0 && cols_in >= 0, "matrix size must be non-negative, got ", rows_in, "x",
              cols_in);
}

Matrix Matrix::from_rows(const std::vector<std::vector<double>>& rows_in) {
  const int n = static_cast<int>(rows_in.size());
  const int p = n == 0 ? 0 : static_cast<int>(rows_in[0].size());
  Matrix m(n, p);
  for (int r = 0; r < n; ++r) {
    HWNAS_CHECK(static_cast<int>(rows_in[r].size()) == p, "matrix row ", r, " has ",
                rows_in[r].size(), " values, row 0 has ", p);
    std::copy(rows_in[r].begin(), rows_in[r].end(), m.row(r));
  }
  return m;
}

Matrix Matrix::identity(int n) {
  Matrix m(n, n);
  for (int i = 0; i < n; ++i) m(i, i) = 1.0;
  return m;
}

std::vector<double> Matrix::row_vector(int r) const { return {row(r), row(r) + cols}; }

Matrix Matrix::select_rows(const std::vector<int>& idx) const {
  Matrix m(static_cast<int>(idx.size()), cols);
  for (size_t i = 0; i < idx.size(); ++i) {
    HWNAS_ASSERT(idx[i] >= 0 && idx[i] < rows);
    std::copy(row(idx[i]), row(idx[i]) + cols, m.row(static_cast<int>(i)));
  }
  return m;
}

Matrix Matrix::transpose() const {
  Matrix t(cols, rows);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) t(c, r) = (*this)(r, c);
  return t;
}

Matrix matmul(const Matrix& a, const Matrix& b) {
  HWNAS_CHECK(a.cols == b.rows, "matmul: ", a.rows, "x", a.cols, " times ", b.rows, "x", b.cols);
  Matrix c(a.rows, b.cols);
  for (int i = 0; i < a.rows; ++i) {
    double* ci = c.row(i);
    for (int k = 0; k < a.cols; ++k) {
      const double aik = a(i, k);
      if (aik == 0.0) continue;
      const double* bk = b.row(k);
      for (int j = 0; j < b.cols; ++j) ci[j] += aik * bk[j];
    }
  }
  return c;
}

double dot(const double* a, const double* b, int n) {
  double s = 0.0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  HWNAS_ASSERT(a.size() == b.size());
  return dot(a.data(), b.data(), static_cast<int>(a.size()));
}

std::vector<double> matvec(const Matrix& a, const std::vector<double>& x) {
  HWNAS_CHECK(static_cast<int>(x.size()) == a.cols, "matvec: ", a.rows, "x", a.cols,
              " times a vector of ", x.size());
  std::vector<double> y(a.rows);
  for (int i = 0; i < a.rows; ++i) y[i] = dot(a.row(i), x.data(), a.cols);
  return y;
}

std::vector<double> matvec_t(const Matrix& a, const std::vector<double>& x) {
  HWNAS_CHECK(static_cast<int>(x.size()) == a.rows, "matvec_t: (", a.rows, "x", a.cols,
              ")^T times a vector of ", x.size());
  std::vector<double> y(a.cols, 0.0);
  for (int i = 0; i < a.rows; ++i) {
    const double xi = x[i];
    if (xi == 0.0) continue;
    const double* ai = a.row(i);
    for (int j = 0; j < a.cols; ++j) y[j] += xi * ai[j];
  }
  return y;
}

Matrix gram(const Matrix& a) {
  const int p = a.cols;
  Matrix g(p, p);
  // Row by row, upper triangle; zeros (one-hot features) are skipped.
  for (int r = 0; r < a.rows; ++r) {
    const double* x = a.row(r);
    for (int j = 0; j < p; ++j) {
      const double xj = x[j];
      if (xj == 0.0) continue;
      double* gj = g.row(j);
      for (int k = j; k < p; ++k) gj[k] += xj * x[k];
    }
  }
  for (int j = 0; j < p; ++j)
    for (int k = 0; k < j; ++k) g(j, k) = g(k, j);
  return g;
}

Matrix outer_gram(const Matrix& a) {
  Matrix g(a.rows, a.rows);
  for (int i = 0; i < a.rows; ++i)
    for (int j = 0; j <= i; ++j) g(i, j) = g(j, i) = dot(a.row(i), a.row(j), a.cols);
  return g;
}

bool cholesky(Matrix* a) {
  HWNAS_ASSERT(a->rows == a->cols);
  const int n = a->rows;
  for (int j = 0; j < n; ++j) {
    double* lj = a->row(j);
    const double d = lj[j] - dot(lj, lj, j);
    if (!(d > 0.0) || !std::isfinite(d)) return false;
    const double ljj = std::sqrt(d);
    lj[j] = ljj;
    for (int i = j + 1; i < n; ++i) {
      double* li = a->row(i);
      li[j] = (li[j] - dot(li, lj, j)) / ljj;
    }
    for (int k = j + 1; k < n; ++k) lj[k] = 0.0;
  }
  return true;
}

std::vector<double> cholesky_solve(const Matrix& l, const std::vector<double>& b) {
  const int n = l.rows;
  HWNAS_ASSERT(static_cast<int>(b.size()) == n);
  std::vector<double> x(b);
  for (int i = 0; i < n; ++i) x[i] = (x[i] - dot(l.row(i), x.data(), i)) / l(i, i);  // L z = b
  for (int i = n - 1; i >= 0; --i) {                                                 // L^T x = z
    double s = x[i];
    for (int k = i + 1; k < n; ++k) s -= l(k, i) * x[k];
    x[i] = s / l(i, i);
  }
  return x;
}

std::vector<double> solve_spd(Matrix a, const std::vector<double>& b) {
  HWNAS_CHECK(cholesky(&a), "solve_spd: the ", a.rows, "x", a.cols,
              " matrix is not positive definite");
  return cholesky_solve(a, b);
}

SymmetricEigen symmetric_eigen(const Matrix& a) {
  HWNAS_CHECK(a.rows == a.cols, "symmetric_eigen: matrix is ", a.rows, "x", a.cols);
  const int n = a.rows;
  SymmetricEigen out;
  if (n == 0) return out;
  Matrix v = a;
  std::vector<double> d(n), e(n);

  // tred2: Householder reduction to tridiagonal form (EISPACK, via JAMA).
  for (int j = 0; j < n; ++j) d[j] = v(n - 1, j);
  for (int i = n - 1; i > 0; --i) {
    double scale = 0.0, h = 0.0;
    for (int k = 0; k < i; ++k) scale += std::fabs(d[k]);
    if (scale == 0.0) {
      e[i] = d[i - 1];
      for (int j = 0; j < i; ++j) {
        d[j] = v(i - 1, j);
        v(i, j) = 0.0;
        v(j, i) = 0.0;
      }
    } else {
      for (int k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (int j = 0; j < i; ++j) e[j] = 0.0;
      for (int j = 0; j < i; ++j) {
        f = d[j];
        v(j, i) = f;
        g = e[j] + v(j, j) * f;
        for (int k = j + 1; k <= i - 1; ++k) {
          g += v(k, j) * d[k];
          e[k] += v(k, j) * f;
        }
        e[j] = g;
      }
      f = 0.0;
      for (int j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (int j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (int j = 0; j < i; ++j) {
        f = d[j];
        g = e[j];
        for (int k = j; k <= i - 1; ++k) v(k, j) -= (f * e[k] + g * d[k]);
        d[j] = v(i - 1, j);
        v(i, j) = 0.0;
      }
    }
    d[i] = h;
  }
  for (int i = 0; i < n - 1; ++i) {
    v(n - 1, i) = v(i, i);
    v(i, i) = 1.0;
    const double h = d[i + 1];
    if (h != 0.0) {
      for (int k = 0; k <= i; ++k) d[k] = v(k, i + 1) / h;
      for (int j = 0; j <= i; ++j) {
        double g = 0.0;
        for (int k = 0; k <= i; ++k) g += v(k, i + 1) * v(k, j);
        for (int k = 0; k <= i; ++k) v(k, j) -= g * d[k];
      }
    }
    for (int k = 0; k <= i; ++k) v(k, i + 1) = 0.0;
  }
  for (int j = 0; j < n; ++j) {
    d[j] = v(n - 1, j);
    v(n - 1, j) = 0.0;
  }
  v(n - 1, n - 1) = 1.0;
  e[0] = 0.0;

  // tql2: implicit QL on the tridiagonal matrix. Rotations act on columns of
  // V; we keep W = V^T so that they touch two contiguous rows instead.
  Matrix w = v.transpose();
  for (int i = 1; i < n; ++i) e[i - 1] = e[i];
  e[n - 1] = 0.0;
  double f = 0.0, tst1 = 0.0;
  const double eps = std::ldexp(1.0, -52);
  for (int l = 0; l < n; ++l) {
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    int m = l;
    while (m < n - 1 && std::fabs(e[m]) > eps * tst1) ++m;
    if (m > l) {
      int iter = 0;
      do {
        HWNAS_CHECK(++iter <= 300, "symmetric_eigen: QL iteration did not converge");
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1.0, c2 = 1.0, c3 = 1.0;
        const double el1 = e[l + 1];
        double s = 0.0, s2 = 0.0;
        for (int i = m - 1; i >= l; --i) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          double* wi = w.row(i);
          double* wi1 = w.row(i + 1);
          for (int k = 0; k < n; ++k) {
            h = wi1[k];
            wi1[k] = s * wi[k] + c * h;
            wi[k] = c * wi[k] - s * h;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0.0;
  }

  // Sort ascending.
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return d[x] < d[y]; });
  out.values.resize(n);
  out.vectors = Matrix(n, n);
  for (int j = 0; j < n; ++j) {
    out.values[j] = d[order[j]];
    const double* wj = w.row(order[j]);
    for (int k = 0; k < n; ++k) out.vectors(k, j) = wj[k];
  }
  return out;
}

}  // namespace hwnas
