/*
 * image_grid.h — many small images tiled into one PNG, for looking at data,
 * reconstructions and learned filters.
 *
 * Tiles of h × w are laid out row by row, `columns` per grid row, each
 * surrounded by a 1-pixel mid-gray (128) border; unused cells stay gray.
 */
#ifndef AEKIT_IMAGE_GRID_H
#define AEKIT_IMAGE_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "aekit.h"

typedef enum {
    AEK_GRID_TILE_MINMAX = 0, /* each tile stretched from its own min..max to 0..255
                                 (a constant tile is black)                      */
    AEK_GRID_RANGE_01 = 1     /* 0 → black, 1 → white, values outside clamped     */
} aek_grid_scale;

/* Renders n images (n × h·w floats, row-major, one image per row) into a
 * gray pixel buffer *pix (free()) of *width × *height.  columns = 0 chooses
 * ⌈√n⌉.  NaN/Inf in an image is AEK_ERR_NUMERIC naming image and pixel. */
aek_status aek_image_grid_render(const float *images, size_t n, size_t h, size_t w,
                                 size_t columns, aek_grid_scale scale, uint8_t **pix,
                                 size_t *width, size_t *height);

/* aek_image_grid_render, then an 8-bit gray PNG written atomically. */
aek_status aek_image_grid_write(const char *path, const float *images, size_t n, size_t h,
                                size_t w, size_t columns, aek_grid_scale scale);

#endif
