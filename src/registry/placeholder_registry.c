/* placeholder until the layer has code */
typedef int tb_registry_placeholder;
