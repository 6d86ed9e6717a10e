# The numba engine's kernels, compiled into numba's on-disk cache once per sweep
# (training jobs would otherwise each compile them for 5-10 s on first use).


rule compile_engine:
    output:
        "results/engine/numba_kernels.json",
    log:
        "logs/engine/compile_engine.log",
    conda:
        "../../envs/sgd-support.yaml"
    params:
        code=TRAIN_CODE,
    shell:
        "python -m sgd_support.cli.compile_engine --out {output} > {log} 2>&1"
