/* read_floor.c — the I/O floor for the change-detection benchmark: read
 * rasters with GDAL alone, strip by strip (512 rows, or the strip height
 * given), the way tianbao detect-change reads them, and do nothing else
 * (a checksum keeps the compiler honest).
 *   read_floor [--bands 1,2,3,4] [--float] [--pixel] [--rows N] FILE…
 * --bands: which bands (default all); --float: ask GDAL for Float32 instead
 * of the native type; --pixel: a pixel-interleaved buffer (B,G,R,NIR,B,…)
 * instead of band after band.  Prints seconds. */
#include <gdal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	int bands[16], nb = 0, rows = 512;
	int as_float = 0, pixel = 0;
	const char *files[8];
	int nf = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bands") && i + 1 < argc) {
			for (char *s = strtok(argv[++i], ","); s && nb < 16; s = strtok(NULL, ",")) bands[nb++] = atoi(s);
		} else if (!strcmp(argv[i], "--float")) as_float = 1;
		else if (!strcmp(argv[i], "--pixel")) pixel = 1;
		else if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows = atoi(argv[++i]);
		else if (nf < 8) files[nf++] = argv[i];
	}
	if (!nf) {
		fprintf(stderr, "usage: read_floor [--bands 1,2,3,4] [--float] [--pixel] [--rows N] FILE…\n");
		return 1;
	}
	GDALAllRegister();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	GDALDatasetH ds[8];
	int w = 0, h = 0, n = nb;
	for (int f = 0; f < nf; f++) {
		ds[f] = GDALOpen(files[f], GA_ReadOnly);
		if (!ds[f]) return 2;
		w = GDALGetRasterXSize(ds[f]), h = GDALGetRasterYSize(ds[f]);
		if (!nb) {
			n = GDALGetRasterCount(ds[f]);
			for (int b = 0; b < n; b++) bands[b] = b + 1;
		}
	}
	GDALDataType type = as_float ? GDT_Float32 : GDALGetRasterDataType(GDALGetRasterBand(ds[0], bands[0]));
	size_t px = (size_t)GDALGetDataTypeSizeBytes(type);
	unsigned char *buf = malloc((size_t)w * rows * n * px);
	uint64_t sum = 0;
	for (int y = 0; y < h; y += rows) {
		int nr = y + rows <= h ? rows : h - y;
		for (int f = 0; f < nf; f++) {
			GSpacing ps = pixel ? (GSpacing)(px * n) : 0, ls = pixel ? (GSpacing)(px * n * w) : 0,
				 bs = pixel ? (GSpacing)px : 0;
			if (GDALDatasetRasterIOEx(ds[f], GF_Read, 0, y, w, nr, buf, w, nr, type, n, bands, ps, ls, bs,
						  NULL) != CE_None)
				return 3;
			sum += buf[(size_t)w * nr * px / 2];
		}
	}
	for (int f = 0; f < nf; f++) GDALClose(ds[f]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(buf);
	printf("%.3f %llu\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, (unsigned long long)sum);
	return 0;
}
