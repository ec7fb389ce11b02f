/* image_grid.c — tile images into one gray PNG (image_grid.h). */
#include "image_grid.h"
#include "fileio.h"
#include "png.h"
#include "../simd/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BORDER = 128 };

aek_status aek_image_grid_render(const float *images, size_t n, size_t h, size_t w,
                                 size_t columns, aek_grid_scale scale, uint8_t **pix,
                                 size_t *width, size_t *height)
{
    *pix = NULL;
    *width = *height = 0;
    if (!images || n == 0 || h == 0 || w == 0)
        return aek_error(AEK_ERR_ARG, "image grid: no images (n = %zu, %zu x %zu)", n, h, w);
    if (columns == 0) {
        columns = (size_t)ceil(sqrt((double)n));
        while (columns * columns < n) /* guard against sqrt rounding */
            columns++;
    }
    if (columns > n)
        columns = n;
    size_t rows = (n + columns - 1) / columns;
    size_t gw, gh, area, hw;
    if (__builtin_mul_overflow(columns, w + 1, &gw) || __builtin_add_overflow(gw, (size_t)1, &gw) ||
        __builtin_mul_overflow(rows, h + 1, &gh) || __builtin_add_overflow(gh, (size_t)1, &gh) ||
        __builtin_mul_overflow(gw, gh, &area) || __builtin_mul_overflow(h, w, &hw) ||
        gw > 0x7FFFFFFF || gh > 0x7FFFFFFF)
        return aek_error(AEK_ERR_ARG, "image grid: %zu images of %zu x %zu make too large a grid",
                         n, h, w);
    uint8_t *p = malloc(area);
    if (!p)
        return aek_error(AEK_ERR_NOMEM, "image grid: cannot allocate %zu bytes", area);
    memset(p, BORDER, area);
    for (size_t t = 0; t < n; t++) {
        const float *img = images + t * hw;
        float lo = 0, hi = 1;
        for (size_t i = 0; i < hw; i++) {
            if (!isfinite(img[i])) {
                free(p);
                return aek_error(AEK_ERR_NUMERIC, "image grid: image %zu, pixel (%zu, %zu) is %s",
                                 t, i / w, i % w, isnan(img[i]) ? "NaN" : "Inf");
            }
        }
        if (scale == AEK_GRID_TILE_MINMAX) {
            lo = hi = img[0];
            for (size_t i = 1; i < hw; i++) {
                lo = img[i] < lo ? img[i] : lo;
                hi = img[i] > hi ? img[i] : hi;
            }
        }
        double range = (double)hi - (double)lo;
        size_t x0 = 1 + (t % columns) * (w + 1), y0 = 1 + (t / columns) * (h + 1);
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                double v = range > 0 ? ((double)img[y * w + x] - lo) / range : 0.0;
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                p[(y0 + y) * gw + x0 + x] = (uint8_t)lrint(v * 255.0);
            }
    }
    *pix = p;
    *width = gw;
    *height = gh;
    return AEK_OK;
}

aek_status aek_image_grid_write(const char *path, const float *images, size_t n, size_t h,
                                size_t w, size_t columns, aek_grid_scale scale)
{
    uint8_t *pix;
    size_t gw, gh;
    aek_status s = aek_image_grid_render(images, n, h, w, columns, scale, &pix, &gw, &gh);
    if (s != AEK_OK)
        return aek_error_prefix(s, path);
    s = aek_png_write(path, pix, gw, gh, 1);
    free(pix);
    return s;
}
