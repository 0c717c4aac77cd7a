"""What instructors author with: releases, the validation gate, synthetic submissions, new courses."""
