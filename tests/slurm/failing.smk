# A workflow with one healthy, one flaky (fails on its first attempt) and one broken
# job, for the failure handling of `--profile slurm` (tests/test_slurm.py).


rule all:
    input:
        "ok.txt",
        "flaky.txt",
        "broken.txt",


rule ok:
    output:
        "ok.txt",
    log:
        "logs/ok.log",
    shell:
        "echo ok > {output} 2> {log}"


rule flaky:
    output:
        "flaky.txt",
    log:
        "logs/flaky.log",
    shell:
        "if [ -e flaky.tried ]; then echo ok > {output}; "
        "else touch flaky.tried; echo 'first attempt fails' > {log}; exit 1; fi"


rule broken:
    output:
        "broken.txt",
    log:
        "logs/broken.log",
    shell:
        "echo 'broken on purpose' > {log}; exit 1"
