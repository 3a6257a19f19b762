/* placeholder until the layer has code */
typedef int tb_io_placeholder;
