"""User-facing messages of the bench commands."""

MESSAGES = {
    "bench.benchmarks_missing": {
        "zh": "找不到公开基准数据（cmrc2018）。请用 --benchmarks 指定 benchmarks 文件夹。",
        "en": "The public benchmarks (cmrc2018) were not found. Point --benchmarks at the benchmarks folder.",
    },
    "bench.bad_sizes": {
        "zh": "无法识别的规模列表“{sizes}”。示例：--sizes 10k,100k,1M",
        "en": "Cannot read the sizes \"{sizes}\". Example: --sizes 10k,100k,1M",
    },
    "bench.engine_missing": {
        "zh": "基准引擎 {engine} 需要 Python 包 {package}：请运行 pip install 'corpusqa[bench]'，"
              "或用 --engines 选择其他引擎。",
        "en": "The {engine} engine needs the Python package {package}: run pip install 'corpusqa[bench]', "
              "or choose other engines with --engines.",
    },
}
