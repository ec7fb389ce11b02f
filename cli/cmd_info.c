/* cmd_info.c — `aekit info`: the CPU, its features, the kernel set chosen,
 * caches, block sizes and threads. */
#include "cli.h"
#include "../simd/cpu.h"
#include "../simd/kernels.h"

#include <stdio.h>
#include <string.h>

int cmd_info(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: aekit info\n\nThe CPU, its features, the kernel sets it can run and the one "
               "chosen,\ncaches, GEMM blocking and threads.  Environment: AEKIT_ISA, "
               "AEKIT_NUM_THREADS.\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "aekit info: unexpected argument '%s' (info takes none)\n", argv[1]);
        return 2;
    }
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "aekit: %s\n", aek_last_error());
        return 2;
    }
    const aek_cpu_info *c = aek_cpu();
    char feat[256];
    aek_cpu_features_str(c, feat, sizeof feat);
    const aek_kernel_set *ks = aek_kernels();
    aek_blocking b = aek_blocking_for(ks);
    printf("cpu           %s\n", c->model);
    printf("vendor        %s (family %u, model %u, stepping %u)\n", c->vendor, c->family,
           c->model_id, c->stepping);
    printf("arch          %s\n", c->arch);
    printf("features      %s\n", feat);
    printf("kernel sets   ");
    for (int i = 0; i < AEK_ISA_COUNT; i++)
        printf("%s%s%s", i ? " " : "", aek_isa_name((aek_isa)i), aek_isa_supported((aek_isa)i) ? "" : "(n/a)");
    printf("\n");
    printf("chosen        %s%s\n", ks->name, getenv_nonempty("AEKIT_ISA") ? " (forced by AEKIT_ISA)" : "");
    printf("micro-kernel  %s (%zux%zu)\n", ks->gemm_ukr_name, ks->mr, ks->nr);
    char caches[160];
    aek_cpu_caches_str(c, caches, sizeof caches);
    printf("caches        %s\n", caches);
    printf("blocking      kc %zu, nc %zu, mc %zu\n", b.kc, b.nc, b.mc);
    printf("threads       %d of %d online CPUs%s\n", aek_num_threads(), c->online_cpus,
           getenv_nonempty("AEKIT_NUM_THREADS") ? " (AEKIT_NUM_THREADS)" : "");
    return 0;
}
