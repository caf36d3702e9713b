package org.jvicreg.vicreg.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Our ResNets' state dicts against torchvision's (fixtures/torchvision/ARCH/state_dict.txt, fc = Identity). */
class ResNetStateDictTest {

    private static List<String> layout(Map<String, Tensor> tensors) {
        return tensors.entrySet().stream().map(e -> e.getKey() + " " + Shape.str(e.getValue().shape())).toList();
    }

    private static List<String> layout(List<HashedWeights.Entry> entries) {
        return entries.stream().map(e -> e.name() + " " + Shape.str(e.shape())).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet34", "resnet50"})
    void namesShapesAndOrderAreTorchvisions(String arch) {
        TorchvisionFixture f = new TorchvisionFixture(arch);
        ResNet model = new ResNet(ResNet.Config.torchvision(arch), new Rng(1));
        assertEquals(layout(f.stateDict()), layout(model.stateDict()), "state dict");
        assertEquals(layout(f.parameters()), layout(model.namedParameters()), "parameters");
        assertEquals(arch.equals("resnet50") ? 2048 : 512, model.featureDim());
    }
}
