import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("fruit_posterior")


@points(2)
def test_notebook_tables_every_observation(student):
    "fruit_posterior(shape, colour) with the notebook's tables, for every combination of shape and colour."
    for shape in range(len(ref.SHAPES)):
        for colour in range(len(ref.COLOURS)):
            got = np.asarray(student.fruit_posterior(shape, colour), dtype=float)
            assert got.shape == (len(ref.FRUITS),), f"shape {got.shape}"
            assert_allclose(got, ref.fruit_posterior(shape, colour), rtol=1e-6,
                                       atol=1e-12, err_msg=f"shape={shape}, colour={colour}")


@points(2)
def test_other_tables(student):
    "fruit_posterior works with any prior and class-conditional tables passed as arguments (three classes, four shapes, five colours)."
    rng = np.random.default_rng(1102)
    prior = rng.dirichlet(np.ones(3))
    p_shape = rng.dirichlet(np.ones(4), size=3)    # row k: P(shape | class k)
    p_colour = rng.dirichlet(np.ones(5), size=3)   # row k: P(colour | class k)
    for shape, colour in ((3, 1), (0, 4), (2, 2)):
        got = np.asarray(student.fruit_posterior(shape, colour, prior, p_shape, p_colour), dtype=float)
        assert got.shape == (3,), f"shape {got.shape}"
        assert_allclose(got.sum(), 1.0, rtol=0, atol=1e-9)
        assert_allclose(got, ref.fruit_posterior(shape, colour, prior, p_shape, p_colour),
                                   rtol=1e-6, atol=1e-12, err_msg=f"shape={shape}, colour={colour}")
