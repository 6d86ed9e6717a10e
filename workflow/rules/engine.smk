# The numba engine's kernels, compiled into numba's on-disk cache once per sweep
# (training jobs would otherwise each compile them for 5-10 s on first use).


rule compile_engine:
    """Compile the numba engine's kernels into numba's cache, once for all runs."""
    output:
        "results/engine/numba_kernels.json",
    log:
        "logs/engine/compile_engine.log",
    benchmark:
        "results/benchmarks/engine/compile_engine.tsv"
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=TRAIN_CODE,
    shell:
        "python -m sgd_support.cli.compile_engine --out {output} > {log} 2>&1"
