# Sourced by build.sh and test.sh. With ccache installed (install-deps.sh installs it), both
# builds go through it, so a second clone of the same sources, or the ASan stage after an
# earlier run, compiles only what changed. Paths under the clone are hashed relative to it
# (CCACHE_BASEDIR) and the working directory is left out of the hash (CCACHE_NOHASHDIR; the
# ASan stage's -g1 debug info then names the clone that compiled first), so a clone anywhere
# shares the cache. VIDPIPE_CCACHE=0 turns it off.
VIDPIPE_LAUNCHER_ARGS=()
if [ "${VIDPIPE_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  VIDPIPE_LAUNCHER_ARGS=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
