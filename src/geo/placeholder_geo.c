/* placeholder until the layer has code */
typedef int tb_geo_placeholder;
