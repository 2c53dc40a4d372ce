#!/usr/bin/env bash
# The main job: builds vidpipe if needed, generates a sample video with ffmpeg (a 10 s,
# 1280×720, 30 fps test pattern), and runs the default Qwen2.5-VL graph on it, printing the
# result summary and the per-node profile. Outputs go to ./out/sample/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p out
sample=out/sample.mp4
if [ ! -s "$sample" ]; then
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=10" \
    -c:v libx264 -pix_fmt yuv420p -g 60 "$sample"
fi
./build/bin/vidpipe run graphs/qwen2_5_vl.yaml "$sample" -o out --overwrite --profile "$@"
