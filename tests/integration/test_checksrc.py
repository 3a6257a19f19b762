"""scripts/checksrc, the banned-function check (after curl's checksrc):
it finds every banned call of its fixture, with file, line and reason, and
nothing in comments, strings or the allowed look-alikes; src/ is clean."""
import os
import subprocess
import sys

import tblib
from tblib import TbCase

SCRIPT = os.path.join(tblib.SRC, "scripts", "checksrc")
FIXTURE = os.path.join(tblib.SRC, "tests", "fixtures", "checksrc", "banned.c")


def checksrc(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


class CheckSrc(TbCase):
    def test_finds_every_banned_use(self):
        p = checksrc(FIXTURE)
        self.assertEqual(p.returncode, 1, p)
        found = [(int(l.split(":")[1]), l.split(": ", 1)[1].split("(")[0].split(" =")[0]) for l in p.stdout.splitlines()]
        self.assertEqual(found, [(8, "strcpy"), (9, "strcat"), (10, "sprintf"), (11, "atoi"), (12, "atol"),
                                 (13, "atof"), (14, "strtok"), (15, "*p"), (16, "a")])
        self.assertIn("banned.c:11: atoi() is banned: cannot report garbage or overflow: use tb_num_long",
                      p.stdout)
        self.assertIn("banned.c:15: *p = realloc(*p, ...) loses the block when realloc fails", p.stdout)
        self.assertEqual(p.stderr, "checksrc: 9 banned use(s)\n")

    def test_sources_are_clean(self):
        p = checksrc(os.path.join(tblib.SRC, "src"))
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stdout)


if __name__ == "__main__":
    tblib.main()
