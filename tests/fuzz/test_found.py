"""What the fuzz suite found, each as its minimal example (issue 19): fixed, and kept as a regular test."""

from __future__ import annotations

import math

import numpy as np

from immunograde.stats.trimfill import trimfill


def test_trimfill_se_k0_is_nan_like_metafor_when_its_variance_is_negative() -> None:
    """BCG log odds ratios (12 trials) with the first one's yi replaced by 7 (an upload the workbench
    accepts): L0's variance of S_r comes out negative.  It raised 'math domain error' (a traceback in
    the workbench); metafor 3.8-1 gives k0 = 0, se.k0 = NaN ("NaNs produced") and beta -0.0451875
    (Rscript: trimfill(rma(yi, vi)) on this table)."""
    yi = [7, -1.3862943611198906, -1.4564435493129846, -0.219141085675433, -0.9581220407762676,
          -1.6337758382288956, 0.012020601452732425, -0.4717460358386963, -1.4012101392834806,
          -0.3408496463662109, 0.44663468227444647, -0.017341873929093476]  # fmt: skip
    vi = [0.208132393657186, 0.43341307814992025, 0.020314412973197363, 0.05195177731712027,
          0.00990526551533824, 0.2270096752234936, 0.004006962012148831, 0.05697712398776266,
          0.0754217263149204, 0.012525133820215518, 0.5341621724747171, 0.07163511729565875]  # fmt: skip
    tf = trimfill(np.array(yi), np.array(vi))
    assert tf.k0 == 0 and math.isnan(tf.se_k0)
    assert abs(tf.fit.estimate - -0.0451875) < 5e-8  # metafor prints 7 significant digits
