/* data_opts.c — loading the data a subcommand works on (data_opts.h). */
#include "data_opts.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

const char *data_opts_path(const char *path)
{
    return path && strcmp(path, "-") == 0 ? "/dev/stdin" : path;
}

data_opts data_opts_default(void)
{
    data_opts o = {0};
    o.synth_rows = 10000;
    o.synth_dim = 784;
    o.synth_latent = 10;
    o.synth_noise = 0.3;
    o.synth_seed = 1;
    return o;
}

int data_opts_load(const char *cmd, const data_opts *o, aek_dataset *d)
{
    aek_status s;
    if (o->data) {
        s = aek_load_data(data_opts_path(o->data), d);
    } else {
        aek_synth_manifold_config sc = {o->synth_rows, o->synth_dim, o->synth_latent, 0,
                                        (float)o->synth_noise, o->synth_seed};
        s = aek_synth_manifold(&sc, d);
    }
    if (s == AEK_OK && o->skip) {
        if (o->skip >= d->rows) {
            fprintf(stderr, "aekit %s: --skip %zu leaves no rows (the data have %zu)\n", cmd, o->skip,
                    d->rows);
            aek_dataset_free(d);
            return 1;
        }
        s = aek_data_select_rows(d, o->skip, d->rows - o->skip);
    }
    if (s == AEK_OK && o->limit)
        s = aek_data_take_first(d, o->limit);
    if (s != AEK_OK) {
        fprintf(stderr, "aekit %s: %s\n", cmd, aek_last_error());
        aek_dataset_free(d);
        return 1;
    }
    return 0;
}
